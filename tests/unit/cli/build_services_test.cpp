#include "kiln/cli/build_services.h"
#include "kiln/util/error.h"

#include <sstream>

#include <gtest/gtest.h>

#include "../support/temp_dir.h"

namespace kiln::cli {
namespace {

std::string secret_error(const std::string& text)
{
  try {
    parse_secret(text);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseSecret, SourcesAndTypes)
{
  auto file = parse_secret("id=foo,src=/run/foo");
  EXPECT_EQ(file.id, "foo");
  EXPECT_EQ(file.file, "/run/foo");
  EXPECT_EQ(file.env, "");

  auto source = parse_secret("ID=foo,Source=/x,type=file");
  EXPECT_EQ(source.id, "foo");
  EXPECT_EQ(source.file, "/x");

  auto env = parse_secret("id=tok,env=TOKEN");
  EXPECT_EQ(env.env, "TOKEN");
  EXPECT_EQ(env.file, "");

  // With type=env, src names the variable.
  auto typed = parse_secret("type=env,id=tok,src=TOKEN");
  EXPECT_EQ(typed.env, "TOKEN");
  EXPECT_EQ(typed.file, "");

  auto bare = parse_secret("id=only");
  EXPECT_EQ(bare.file, "");
  EXPECT_EQ(bare.env, "");
}

TEST(ParseSecret, BuildxErrors)
{
  EXPECT_EQ(secret_error("id=a,type=bad"), "unsupported secret type \"bad\"");
  EXPECT_EQ(secret_error("foo"),
            "invalid field 'foo' must be a key=value pair");
  EXPECT_EQ(secret_error("id=a,Bar=1"), "unexpected key 'bar' in 'Bar=1'");
}

TEST(ParseSsh, IdAndPaths)
{
  auto plain = parse_ssh("default");
  EXPECT_EQ(plain.id, "default");
  EXPECT_TRUE(plain.paths.empty());

  auto keys = parse_ssh("git=/k1,/k2");
  EXPECT_EQ(keys.id, "git");
  EXPECT_EQ(keys.paths, (std::vector<std::string>{"/k1", "/k2"}));

  auto empty = parse_ssh("default=");
  EXPECT_EQ(empty.paths, (std::vector<std::string>{""}));
}

std::string services_error(const std::vector<std::string>& secrets,
                           const std::vector<std::string>& ssh)
{
  test::TempDir config;
  std::ostringstream warnings;
  try {
    BuildServices services(secrets, ssh, config.path().string(), warnings);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(BuildServices, RefusesBadSourcesAsBuildx)
{
  EXPECT_EQ(services_error({"id=a,src=/nonexistent/x"}, {}),
            "failed to build: failed to stat /nonexistent/x: stat "
            "/nonexistent/x: no such file or directory");
  EXPECT_EQ(services_error({"src=/etc/hostname"}, {}),
            "failed to build: secret missing ID");
  EXPECT_EQ(services_error({}, {"default=/nonexistent/sock"}),
            "failed to build: failed to convert agent config for ID: "
            "\"default\": stat /nonexistent/sock: no such file or directory");
  // Parse errors come first and are not wrapped.
  EXPECT_EQ(services_error({"id=a,src=/nonexistent/x", "x"}, {}),
            "invalid field 'x' must be a key=value pair");
  EXPECT_EQ(services_error({"", "id=ok,src=/etc/hostname"}, {}), "");
}

} // namespace
} // namespace kiln::cli
