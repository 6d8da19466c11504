#include "kiln/progress/display.h"
#include "kiln/util/error.h"

#include <sstream>

#include <gtest/gtest.h>

namespace kiln::progress {
namespace {

TEST(ParseMode, AutoFollowsTheTerminal)
{
  EXPECT_EQ(parse_mode("auto", true), Mode::tty);
  EXPECT_EQ(parse_mode("auto", false), Mode::plain);
  EXPECT_EQ(parse_mode("tty", false), Mode::tty);
  EXPECT_EQ(parse_mode("plain", true), Mode::plain);
  EXPECT_EQ(parse_mode("quiet", true), Mode::quiet);
  EXPECT_THROW(parse_mode("fancy", true), util::UserError);
}

TEST(TtyDisplay, FinalFrameListsSteps)
{
  std::ostringstream out;
  auto display = make_display(Mode::tty, out, "");
  moby::buildkit::v1::StatusResponse r;
  auto* v = r.add_vertexes();
  v->set_digest("d");
  v->set_name("[1/1] COPY a /a");
  v->set_cached(true);
  v->mutable_started()->set_seconds(5);
  v->mutable_completed()->set_seconds(6);
  display->update(r);
  display->finish();

  std::string text = out.str();
  auto last = text.rfind("[+] Building ");
  ASSERT_NE(last, std::string::npos);
  EXPECT_NE(text.find("(1/1) FINISHED", last), std::string::npos);
  EXPECT_NE(text.find(" => CACHED [1/1] COPY a /a", last), std::string::npos);
}

} // namespace
} // namespace kiln::progress
