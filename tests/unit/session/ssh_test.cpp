#include "kiln/session/ssh.h"
#include "kiln/session/ssh_agent.h"
#include "kiln/util/command.h"
#include "kiln/util/error.h"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "../support/temp_dir.h"

namespace kiln::session {
namespace {

namespace fs = std::filesystem;

std::string agents_error(const std::vector<SshSpec>& specs)
{
  try {
    SshAgents agents(specs);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(AgentRequests, OnlyListingAndSigningPass)
{
  EXPECT_TRUE(agent_request_allowed(11));  // list identities
  EXPECT_TRUE(agent_request_allowed(13));  // sign
  EXPECT_FALSE(agent_request_allowed(17)); // add identity
  EXPECT_FALSE(agent_request_allowed(18)); // remove identity
  EXPECT_FALSE(agent_request_allowed(19)); // remove all
  EXPECT_FALSE(agent_request_allowed(22)); // lock
  EXPECT_FALSE(agent_request_allowed(25)); // add constrained
  EXPECT_FALSE(agent_request_allowed(27)); // extension
}

TEST(SshAgents, BuildxErrors)
{
  EXPECT_EQ(agents_error({{"a", {"/nonexistent/k"}}}),
            "failed to convert agent config for ID: \"a\": stat "
            "/nonexistent/k: no such file or directory");

  const char* old = std::getenv("SSH_AUTH_SOCK");
  std::string saved = old != nullptr ? old : "";
  ::unsetenv("SSH_AUTH_SOCK");
  EXPECT_EQ(agents_error({{"default", {}}}),
            "invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set");
  if (old != nullptr) {
    ::setenv("SSH_AUTH_SOCK", saved.c_str(), 1);
  }
}

TEST(SshAgents, KeyFilesGetAnAgentThatEndsWithThem)
{
  test::TempDir dir;
  std::string key = (dir.path() / "id_ed25519").string();
  auto made = util::run_command(
    {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key});
  if (!made || made->exit_code != 0) {
    GTEST_SKIP() << "ssh-keygen is not available";
  }

  std::string sock;
  {
    SshAgents agents({{"git", {key}}});
    sock = agents.sockets().at("git");
    struct stat st {};
    ASSERT_EQ(::stat(sock.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));

    auto listed =
      util::run_command({"ssh-add", "-l"}, {"", {"SSH_AUTH_SOCK=" + sock}});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->exit_code, 0) << listed->err;
    EXPECT_NE(listed->out.find("ED25519"), std::string::npos) << listed->out;
  }
  EXPECT_FALSE(fs::exists(fs::path(sock).parent_path()));

  // A file that is no key is refused, naming it.
  std::string bad = (dir.path() / "bad").string();
  std::ofstream(bad) << "not a key\n";
  std::string error = agents_error({{"x", {bad}}});
  EXPECT_EQ(error.rfind("failed to convert agent config for ID: \"x\": "
                        "failed to parse " +
                          bad + ": ",
                        0),
            0U)
    << error;
}

TEST(SshAgents, OneSocketPerId)
{
  test::TempDir dir;
  std::string key = (dir.path() / "k").string();
  std::ofstream(key) << "k\n";
  // A socket to point at: an agent of the test's own.
  std::string sock = (dir.path() / "s").string();
  auto agent = util::ChildProcess::start({"ssh-agent", "-D", "-a", sock});
  if (!agent) {
    GTEST_SKIP() << "ssh-agent is not available";
  }
  for (int i = 0; i < 500; ++i) {
    auto listed =
      util::run_command({"ssh-add", "-l"}, {"", {"SSH_AUTH_SOCK=" + sock}});
    if (listed && listed->exit_code != 2) {
      break;
    }
    ::usleep(10000);
  }
  ASSERT_TRUE(fs::exists(sock));

  SshAgents agents({{"", {sock}}});
  EXPECT_EQ(agents.sockets().at("default"), sock);
  EXPECT_EQ(agents_error({{"a", {sock, key}}}),
            "failed to convert agent config for ID: \"a\": only single "
            "socket allowed");
  EXPECT_EQ(agents_error({{"a", {key, sock}}}),
            "failed to convert agent config for ID: \"a\": invalid "
            "combination of keys and sockets");
  EXPECT_EQ(agents_error({{"a", {sock}}, {"a", {sock}}}),
            "duplicate agent ID \"a\"");
}

} // namespace
} // namespace kiln::session
