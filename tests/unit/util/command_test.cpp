#include "kiln/util/command.h"

#include <csignal>

#include <gtest/gtest.h>

namespace kiln::util {
namespace {

TEST(RunCommand, FeedsStdinAndCollectsOutput)
{
  auto ran =
    run_command({"sh", "-c", "cat; echo oops >&2; exit 4"}, {"hello", {}});
  ASSERT_TRUE(ran);
  EXPECT_EQ(ran->out, "hello");
  EXPECT_EQ(ran->err, "oops\n");
  EXPECT_EQ(ran->exit_code, 4);
  EXPECT_EQ(ran->status, "exit status 4");
}

TEST(RunCommand, AddsToTheEnvironmentInASessionOfItsOwn)
{
  ::setenv("KILN_T_KEEP", "kept", 1);
  auto ran = run_command(
    {"sh", "-c",
     "echo $KILN_T $KILN_T_KEEP; "
     "test \"$(ps -o sid= -p $$ | tr -d ' ')\" = $$ && echo own-session"},
    {"", {"KILN_T=set"}});
  ::unsetenv("KILN_T_KEEP");
  ASSERT_TRUE(ran);
  // A session of its own: its id is its own pid, so it has no terminal.
  EXPECT_EQ(ran->out, "set kept\nown-session\n");
  EXPECT_EQ(ran->exit_code, 0);
}

TEST(RunCommand, ChildThatIgnoresInput)
{
  std::string big(1 << 20, 'x');
  auto ran = run_command({"true"}, {big, {}});
  ASSERT_TRUE(ran);
  EXPECT_EQ(ran->exit_code, 0);
}

TEST(RunCommand, MissingProgram)
{
  auto ran = run_command({"kiln-no-such-program"});
  ASSERT_FALSE(ran);
  EXPECT_EQ(ran.error().message,
            "cannot run kiln-no-such-program: No such file or directory");
}

TEST(ChildProcess, StopEndsIt)
{
  auto child = ChildProcess::start({"sleep", "60"});
  ASSERT_TRUE(child);
  pid_t pid = (*child)->pid();
  EXPECT_EQ(::kill(pid, 0), 0);
  EXPECT_FALSE((*child)->exited());
  (*child)->stop();
  EXPECT_TRUE((*child)->exited());
  EXPECT_NE(::kill(pid, 0), 0);
}

} // namespace
} // namespace kiln::util
