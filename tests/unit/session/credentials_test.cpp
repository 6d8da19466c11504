#include "kiln/session/credentials.h"
#include "kiln/util/error.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "../support/temp_dir.h"

namespace kiln::session {
namespace {

std::string entry_error(const std::string& json)
{
  try {
    parse_auth_entry(json);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(AuthEntry, DecodesAuthAndFields)
{
  // "alice:pa:ss" in base64: the password keeps its colon.
  auto entry = parse_auth_entry(R"({"auth": "YWxpY2U6cGE6c3M="})");
  EXPECT_EQ(entry.username, "alice");
  EXPECT_EQ(entry.password, "pa:ss");

  auto fields = parse_auth_entry(R"({"Username": "bob", "password": "pw"})");
  EXPECT_EQ(fields.username, "bob");
  EXPECT_EQ(fields.password, "pw");

  auto token = parse_auth_entry(R"({"identitytoken": "tok"})");
  EXPECT_EQ(token.identity_token, "tok");
}

TEST(AuthEntry, DockerReasonsForBadAuth)
{
  EXPECT_EQ(entry_error(R"({"auth": "a*bc"})"),
            "illegal base64 data at input byte 1");
  EXPECT_EQ(entry_error(R"({"auth": "YWJj"})"),
            "invalid auth configuration file");
  EXPECT_EQ(entry_error(R"({"auth": "OnB3"})"),
            "invalid auth configuration file");
}

TEST(ConfigKey, DockerHubAndOldKeys)
{
  EXPECT_EQ(config_key("registry-1.docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(config_key("docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(config_key("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(key_hostname("https://reg.example:5000/v1/"), "reg.example:5000");
  EXPECT_EQ(key_hostname("reg.example/path"), "reg.example");
}

// A config folder with `config.json` and a credential helper on PATH.
class CredentialStoreTest : public ::testing::Test {
protected:
  void SetUp() override
  {
    m_old_path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
    std::string path = m_dir.path().string() + ":" + m_old_path;
    ::setenv("PATH", path.c_str(), 1);
    auto helper = m_dir.path() / "docker-credential-kilnunit";
    std::ofstream(helper) << R"(#!/bin/sh
host=$(cat)
echo "asked: $host" >&2
case "$host" in
  helped.example) echo '{"Username":"carol","Secret":"helper-pw"}' ;;
  https://index.docker.io/v1/) echo '{"Username":"<token>","Secret":"hub-token"}' ;;
  broken.example) echo 'backend exploded'; exit 3 ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
)";
    ::chmod(helper.c_str(), 0755);
  }

  void TearDown() override { ::setenv("PATH", m_old_path.c_str(), 1); }

  void write_config(const std::string& text)
  {
    std::ofstream(m_dir.path() / "config.json") << text;
  }

  test::TempDir m_dir;
  std::string m_old_path;
};

TEST_F(CredentialStoreTest, AuthsEntriesExactAndByOldUrl)
{
  write_config(R"({"auths": {
    "reg.example:5000": {"auth": "YWxpY2U6c2VjcmV0"},
    "https://old.example/v1/": {"username": "u", "password": "p"},
    "tok.example": {"identitytoken": "id-token"}}})");
  std::ostringstream warnings;
  CredentialStore store(m_dir.path(), warnings);
  EXPECT_EQ(warnings.str(), "");

  auto exact = store.lookup("reg.example:5000");
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->username, "alice");
  EXPECT_EQ(exact->secret, "secret");
  auto old = store.lookup("old.example");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->username, "u");
  auto token = store.lookup("tok.example");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->username, "");
  EXPECT_EQ(token->secret, "id-token");
  auto none = store.lookup("other.example");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->secret, "");
}

TEST_F(CredentialStoreTest, HelpersPerRegistryAndDefault)
{
  write_config(R"({"auths": {"helped.example": {"auth": "eDp5"}},
    "credsStore": "kilnunit",
    "credHelpers": {"plain.example": "missing"}})");
  std::ostringstream warnings;
  CredentialStore store(m_dir.path(), warnings);

  // The helper wins over the auths entry of the same registry.
  auto helped = store.lookup("helped.example");
  ASSERT_TRUE(helped);
  EXPECT_EQ(helped->username, "carol");
  EXPECT_EQ(helped->secret, "helper-pw");
  // Docker Hub is asked for under its config key; <token> is a token.
  auto hub = store.lookup("registry-1.docker.io");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "");
  EXPECT_EQ(hub->secret, "hub-token");
  // Not found is anonymous, not an error.
  auto unknown = store.lookup("nowhere.example");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->secret, "");

  auto broken = store.lookup("broken.example");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message,
            "error getting credentials - err: exit status 3, out: `backend "
            "exploded`");
  auto missing = store.lookup("plain.example");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "error getting credentials - err: exec: "
            "\"docker-credential-missing\": executable file not found in "
            "$PATH, out: ``");
}

TEST_F(CredentialStoreTest, MalformedConfigWarnsAndGivesNothing)
{
  write_config(R"({"auths": {"reg.example": {"auth": "!!"}}})");
  std::ostringstream warnings;
  CredentialStore store(m_dir.path(), warnings);
  std::string path = (m_dir.path() / "config.json").string();
  EXPECT_EQ(warnings.str(), "WARNING: Error parsing config file (" + path +
                              "): illegal base64 data at input byte 0\n");
  auto none = store.lookup("reg.example");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->secret, "");
}

} // namespace
} // namespace kiln::session
