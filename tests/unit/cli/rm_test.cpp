#include "cli_fixture.h"

namespace kiln::test {
namespace {

namespace fs = std::filesystem;

class RmTest : public CliTest {
protected:
  void SetUp() override
  {
    CliTest::SetUp();
    ok({"create", "--name", "alpha", "unix:///tmp/a.sock"});
    ok({"create", "--name", "Bravo", "unix:///tmp/b.sock"});
  }
};

TEST_F(RmTest, RemovesBuilderAndActivity)
{
  RunResult result = ok({"rm", "alpha"});

  EXPECT_EQ(result.err, "alpha removed\n");
  EXPECT_EQ(result.out, "");
  EXPECT_FALSE(fs::exists(store() / "instances" / "alpha"));
  EXPECT_FALSE(fs::exists(store() / "activity" / "alpha"));
  EXPECT_TRUE(fs::exists(store() / "instances" / "bravo"));
}

TEST_F(RmTest, RemovesSeveralInAnyCase)
{
  RunResult result = ok({"rm", "ALPHA", "bravo"});

  EXPECT_EQ(result.err, "ALPHA removed\nbravo removed\n");
  EXPECT_FALSE(fs::exists(store() / "instances" / "alpha"));
  EXPECT_FALSE(fs::exists(store() / "instances" / "bravo"));
  EXPECT_FALSE(fs::exists(store() / "activity" / "Bravo"));
}

TEST_F(RmTest, UnknownNameAmongKnownOnesRemovesNothing)
{
  rejected({"rm", "alpha", "nope", "bravo"}, R"(no builder "nope" found)");
}

TEST_F(RmTest, InvalidNameRemovesNothing)
{
  rejected({"rm", "alpha", "../x"},
           "invalid name ../x, name needs to start with a letter and may "
           "not contain symbols, except ._-");
}

TEST_F(RmTest, ContextBuilderCannotBeRemoved)
{
  rejected({"rm", "default"},
           "context builder cannot be removed, run `docker context rm "
           "default` to remove this context");
  rejected({"rm"}, "context builder cannot be removed, run `docker context "
                   "rm default` to remove this context");
}

TEST_F(RmTest, WithoutNameRemovesTheCurrentBuilder)
{
  ok({"use", "bravo"});

  RunResult result = ok({"rm"});

  EXPECT_EQ(result.err, "Bravo removed\n");
  EXPECT_FALSE(fs::exists(store() / "instances" / "bravo"));
  EXPECT_TRUE(fs::exists(store() / "instances" / "alpha"));
}

TEST_F(RmTest, BuilderFlagNamesTheBuilder)
{
  ok({"--builder", "alpha", "rm"});

  EXPECT_FALSE(fs::exists(store() / "instances" / "alpha"));
  EXPECT_TRUE(fs::exists(store() / "instances" / "bravo"));
}

} // namespace
} // namespace kiln::test
