#include "kiln/session/secrets.h"
#include "kiln/util/error.h"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "../support/temp_dir.h"

namespace kiln::session {
namespace {

std::string check_error(const std::vector<SecretSource>& sources)
{
  try {
    check_secrets(sources);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(CheckSecrets, DefaultsToTheVariableThenTheFile)
{
  test::TempDir dir;
  std::string file = (dir.path() / "kiln_unit_secret").string();
  std::ofstream(file) << "v";

  ::setenv("KILN_UNIT_SECRET_VAR", "x", 1);
  auto by_env = check_secrets({{"KILN_UNIT_SECRET_VAR", "", ""}});
  EXPECT_EQ(by_env.at("KILN_UNIT_SECRET_VAR").env, "KILN_UNIT_SECRET_VAR");
  ::unsetenv("KILN_UNIT_SECRET_VAR");

  auto by_file = check_secrets({{file, "", ""}});
  EXPECT_EQ(by_file.at(file).file, file);
  EXPECT_EQ(by_file.at(file).env, "");
}

TEST(CheckSecrets, LaterEntryOfAnIdWins)
{
  auto out = check_secrets({{"a", "", "ONE"}, {"a", "", "TWO"}});
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out.at("a").env, "TWO");
}

TEST(CheckSecrets, RefusesMissingAndLargeFiles)
{
  test::TempDir dir;
  std::string big = (dir.path() / "big").string();
  std::ofstream(big) << std::string(k_max_secret_bytes + 1, 'x');

  EXPECT_EQ(check_error({{"", "/etc/hostname", ""}}), "secret missing ID");
  EXPECT_EQ(check_error({{"a", "/nonexistent/s", ""}}),
            "failed to stat /nonexistent/s: stat /nonexistent/s: no such "
            "file or directory");
  EXPECT_EQ(check_error({{"a", big, ""}}), "secret a too big. max size 500KiB");
  EXPECT_EQ(check_error({{"missing_env_is_fine", "", "KILN_UNSET_VAR"}}), "");
}

} // namespace
} // namespace kiln::session
