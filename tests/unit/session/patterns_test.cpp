#include "kiln/session/patterns.h"

#include <gtest/gtest.h>

namespace kiln::session {
namespace {

TEST(GlobMatch, StarsStopAtSlashes)
{
  EXPECT_TRUE(glob_match("*.txt", "a.txt"));
  EXPECT_FALSE(glob_match("*.txt", "d/a.txt"));
  EXPECT_TRUE(glob_match("d/?.txt", "d/a.txt"));
  EXPECT_FALSE(glob_match("?", "/"));
}

TEST(GlobMatch, DoubleStarCrossesFolders)
{
  EXPECT_TRUE(glob_match("**/*.log", "a.log"));
  EXPECT_TRUE(glob_match("**/*.log", "x/y/a.log"));
  EXPECT_TRUE(glob_match("src/**", "src/a/b"));
  EXPECT_TRUE(glob_match("a/**/b", "a/b"));
  EXPECT_TRUE(glob_match("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(glob_match("a/**/b", "a/xb"));
}

TEST(GlobMatch, ClassesAndEscapes)
{
  EXPECT_TRUE(glob_match("[a-c]x", "bx"));
  EXPECT_FALSE(glob_match("[^a-c]x", "bx"));
  EXPECT_TRUE(glob_match("[!a-c]x", "dx"));
  EXPECT_TRUE(glob_match("a\\*", "a*"));
  EXPECT_FALSE(glob_match("a\\*", "ab"));
}

TEST(CleanPath, AsGoDoes)
{
  EXPECT_EQ(clean_path("/a//b/./c/"), "a/b/c");
  EXPECT_EQ(clean_path("a/../../b"), "../b");
  EXPECT_EQ(clean_path("/../a"), "a");
  EXPECT_EQ(clean_path(""), ".");
}

TEST(PatternMatcher, ParentsMatchAndLastPatternWins)
{
  PatternMatcher m({"/cache", "**/*.log", "!src/keep.log", "# not special"});
  EXPECT_TRUE(m.has_exceptions());
  EXPECT_TRUE(m.matches("cache"));
  EXPECT_TRUE(m.matches("cache/deep/file"));
  EXPECT_TRUE(m.matches("src/drop.log"));
  EXPECT_FALSE(m.matches("src/keep.log"));
  EXPECT_FALSE(m.matches("src/main.c"));
}

TEST(PatternMatcher, MayMatchBelow)
{
  PatternMatcher m({"Dockerfile", "sub/dir/file", "deep/**/x"});
  EXPECT_FALSE(m.may_match_below("other"));
  EXPECT_TRUE(m.may_match_below("sub"));
  EXPECT_TRUE(m.may_match_below("sub/dir"));
  EXPECT_FALSE(m.may_match_below("sub/dir/file"));
  EXPECT_TRUE(m.may_match_below("deep/a/b"));
}

} // namespace
} // namespace kiln::session
