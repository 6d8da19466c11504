#include "cli_fixture.h"

namespace kiln::test {
namespace {

class AppTest : public CliTest {};

TEST_F(AppTest, UnknownSubcommandSuggestsTheClosest)
{
  rejected({"lss"},
           R"(unknown command "lss" for "buildx"; did you mean "ls"?)");
}

TEST_F(AppTest, PluginNameIsSkipped)
{
  RunResult result = ok({"buildx", "create", "--name", "b1", "unix:///x"});

  EXPECT_EQ(result.out, "b1\n");
}

} // namespace
} // namespace kiln::test
