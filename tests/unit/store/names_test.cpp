#include <fstream>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "kiln/store/store.h"
#include "kiln/util/error.h"

namespace kiln::store {
namespace {

TEST(Names, ValidAsBuildx)
{
  for (const char* name : {"a", "Z", "builder", "my-builder", "my_builder",
                           "my.builder", "b0", "A-b_c.9"}) {
    EXPECT_TRUE(is_valid_name(name)) << name;
  }
}

TEST(Names, InvalidAsBuildx)
{
  for (const char* name : {"", "0builder", "-b", "_b", ".b", "my builder",
                           "a/b", "a:b", "a@b", "é", "a\n", "../x"}) {
    EXPECT_FALSE(is_valid_name(name)) << name;
  }
}

TEST(Names, ValidateNameUsesBuildxText)
{
  try {
    validate_name("9 lives");
    FAIL() << "no error";
  } catch (const util::UserError& e) {
    EXPECT_STREQ(e.what(), "invalid name 9 lives, name needs to start with "
                           "a letter and may not contain symbols, except ._-");
  }
}

TEST(Names, NormalizeLowercases)
{
  EXPECT_EQ(normalize_name("My.Builder-X"), "my.builder-x");
  EXPECT_THROW(normalize_name("9x"), util::UserError);
}

TEST(GeneratedNames, AreValidAndShapedLikeBuildx)
{
  test::TempDir tmp;
  Store store(tmp.path());
  static const std::regex shape("^[a-z]+_[a-z]+$");

  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string name = generate_name(store);
    EXPECT_TRUE(std::regex_match(name, shape)) << name;
    EXPECT_TRUE(is_valid_name(name)) << name;
    seen.insert(name);
  }

  EXPECT_GT(seen.size(), 50u);
}

TEST(GeneratedNames, AvoidTakenNames)
{
  test::TempDir tmp;
  Store store(tmp.path());
  static const std::regex shape("^[a-z]+_[a-z]+[0-9]?$");

  // Take the first few generated names; later ones must differ.
  std::set<std::string> taken;
  for (int i = 0; i < 200; ++i) {
    std::string name = generate_name(store);
    EXPECT_TRUE(std::regex_match(name, shape)) << name;
    EXPECT_EQ(taken.count(name), 0u) << name;
    taken.insert(name);
    std::ofstream(tmp.path() / "instances" / name) << "{}";
  }
}

} // namespace
} // namespace kiln::store
