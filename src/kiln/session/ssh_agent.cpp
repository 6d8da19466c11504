#include "kiln/session/ssh_agent.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kiln/session/ssh.h"
#include "kiln/util/command.h"
#include "kiln/util/error.h"
#include "kiln/util/fd.h"
#include "kiln/util/fs.h"
#include "kiln/util/log.h"
#include "kiln/util/strings.h"

namespace kiln::session {

namespace fs = std::filesystem;

namespace {

constexpr auto k_agent_start = std::chrono::seconds(5);
// Socket paths must stay well under the 108 bytes a unix address holds.
constexpr std::size_t k_max_tmp_length = 64;
// Buildx reads at most this much of a key file.
constexpr std::size_t k_max_key_bytes = 100 * 1024;

fs::path make_temp_dir()
{
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  if (base.size() > k_max_tmp_length) {
    base = "/tmp";
  }
  std::string pattern = (fs::path(base) / "kiln-ssh-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw util::FileError("create", pattern, errno);
  }
  return pattern;
}

// Returns whether an agent listens on `path`: the socket file appears
// a moment before the agent accepts connections on it.
bool accepts(const std::string& path)
{
  util::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || path.size() >= sizeof addr.sun_path) {
    return false;
  }
  path.copy(addr.sun_path, path.size());
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr),
                   sizeof addr) == 0;
}

// Returns ssh-add's reason for refusing a key, without the key's name
// it repeats.
std::string add_failure(const std::string& stderr_text)
{
  std::string text = util::trim(stderr_text);
  // It asked for a passphrase and read none, having no terminal.
  if (text.find("Enter passphrase") != std::string::npos) {
    return "this private key is passphrase protected";
  }
  if (auto nl = text.find_last_of('\n'); nl != std::string::npos) {
    text = text.substr(nl + 1);
  }
  if (text.starts_with("Error loading key \"")) {
    if (auto end = text.find("\": "); end != std::string::npos) {
      text = text.substr(end + 3);
    }
  }
  return text.empty() ? "ssh-add failed" : text;
}

} // namespace

// An ssh-agent of kiln's own and the folder holding its socket; the
// agent is ended before the folder goes.
struct SshAgents::Agent {
  fs::path dir;
  std::unique_ptr<util::ChildProcess> process;

  explicit Agent(fs::path d) : dir(std::move(d)) {}
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  ~Agent()
  {
    if (process) {
      process->stop();
      util::debug("ssh: agent (pid " + std::to_string(process->pid()) +
                  ") ended");
    }
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

SshAgents::SshAgents(const std::vector<SshSpec>& specs)
{
  for (const auto& spec : specs) {
    std::string id = spec.id.empty() ? k_default_ssh_id : spec.id;
    if (m_sockets.count(id) > 0) {
      throw util::UserError("duplicate agent ID " + util::quote(id));
    }
    std::vector<std::string> paths = spec.paths;
    if (paths.empty() || (paths.size() == 1 && paths.front().empty())) {
      const char* sock = std::getenv("SSH_AUTH_SOCK");
      paths = {sock != nullptr ? sock : ""};
    }
    if (paths.front().empty()) {
      throw util::UserError("invalid empty ssh agent socket: make sure "
                            "SSH_AUTH_SOCK is set");
    }

    auto fail = [&id](const std::string& why) {
      return util::UserError("failed to convert agent config for ID: " +
                             util::quote(id) + ": " + why);
    };
    std::string socket;
    std::vector<std::string> keys;
    for (const auto& path : paths) {
      if (!socket.empty()) {
        throw fail("only single socket allowed");
      }
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        throw fail("stat " + path + ": " + util::errno_message(errno));
      }
      if (S_ISSOCK(st.st_mode)) {
        socket = path;
      } else {
        keys.push_back(path);
      }
    }
    if (!socket.empty() && !keys.empty()) {
      throw fail("invalid combination of keys and sockets");
    }
    m_sockets[id] = socket.empty() ? start_agent(id, keys) : socket;
  }
}

SshAgents::~SshAgents() = default;

std::string SshAgents::start_agent(const std::string& id,
                                   const std::vector<std::string>& keys)
{
  auto fail = [&id](const std::string& why) {
    return util::UserError(
      "failed to convert agent config for ID: " + util::quote(id) + ": " + why);
  };
  m_agents.push_back(std::make_unique<Agent>(make_temp_dir()));
  Agent& agent = *m_agents.back();
  std::string sock = (agent.dir / "agent.sock").string();

  auto started = util::ChildProcess::start({"ssh-agent", "-D", "-a", sock});
  if (!started) {
    throw fail("key files need ssh-agent (openssh-client): " +
               started.error().message);
  }
  agent.process = std::move(*started);
  auto deadline = std::chrono::steady_clock::now() + k_agent_start;
  while (!accepts(sock)) {
    if (agent.process->exited() ||
        std::chrono::steady_clock::now() > deadline) {
      throw fail("ssh-agent did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  // One key at a time, so that a refusal names its key. The key goes
  // in on stdin, where ssh-add, like Buildx, does not insist on private
  // file modes. No terminal and no askpass: a key with a passphrase
  // fails instead of prompting.
  for (const auto& key : keys) {
    std::optional<std::string> text;
    try {
      text = util::read_file(key);
    } catch (const util::FileError& e) {
      throw fail("failed to open " + key + ": " + e.reason());
    }
    if (!text || text->size() > k_max_key_bytes) {
      throw fail("failed to parse " + key + ": not a private key");
    }
    auto added = util::run_command(
      {"ssh-add", "-q", "-"},
      {*text, {"SSH_AUTH_SOCK=" + sock, "SSH_ASKPASS_REQUIRE=never"}});
    if (!added) {
      throw fail("key files need ssh-add (openssh-client): " +
                 added.error().message);
    }
    if (added->exit_code != 0) {
      throw fail("failed to parse " + key + ": " + add_failure(added->err));
    }
  }
  util::debug("ssh: agent " + id + " (pid " +
              std::to_string(agent.process->pid()) + ") holds " +
              std::to_string(keys.size()) + " keys at " + sock);
  return sock;
}

} // namespace kiln::session
