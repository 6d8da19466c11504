#include "cli_fixture.h"

namespace kiln::test {
namespace {

namespace fs = std::filesystem;

// `defaults/` file of the key `unix:///nonexistent`.
std::string default_file()
{
  return "defaults/" + std::string("b966431c30dd0e88d5d3");
}

class UseTest : public CliTest {
protected:
  void SetUp() override
  {
    CliTest::SetUp();
    ok({"create", "--name", "alpha", "unix:///tmp/a.sock"});
  }
};

TEST_F(UseTest, MakesTheBuilderCurrent)
{
  RunResult result = ok({"use", "alpha"});

  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(slurp(store() / "current"),
            R"({"Key":"unix:///nonexistent","Name":"alpha","Global":false})");
}

TEST_F(UseTest, GlobalAndDefault)
{
  ok({"use", "--global", "--default", "alpha"});

  EXPECT_EQ(slurp(store() / "current"),
            R"({"Key":"unix:///nonexistent","Name":"alpha","Global":true})");
  EXPECT_EQ(slurp(store() / default_file()), "alpha");
}

TEST_F(UseTest, DefaultResetsTheChoice)
{
  ok({"use", "--default", "alpha"});

  ok({"use", "default"});

  EXPECT_EQ(slurp(store() / "current"),
            R"({"Key":"unix:///nonexistent","Name":"","Global":false})");
  EXPECT_FALSE(fs::exists(store() / default_file()));
}

TEST_F(UseTest, RejectsUnknownBuilder)
{
  ok({"use", "alpha"});

  rejected({"use", "nope"}, R"(failed to find instance "nope")");
}

TEST_F(UseTest, RejectsMissingName)
{
  rejected({"use"}, "use requires a builder name");
}

} // namespace
} // namespace kiln::test
