#include "kiln/progress/display.h"

#include <sstream>

#include <gtest/gtest.h>

namespace kiln::progress {
namespace {

TEST(ParseMode, RawJsonAndNone)
{
  EXPECT_EQ(parse_mode("rawjson", true), Mode::rawjson);
  EXPECT_EQ(parse_mode("none", true), Mode::quiet);
}

TEST(RawJson, OneSolveStatusLinePerMessage)
{
  std::ostringstream out;
  auto display = make_display(Mode::rawjson, out, "ignored");
  moby::buildkit::v1::StatusResponse r;
  auto* v = r.add_vertexes();
  v->set_digest("sha256:d");
  v->set_name("[1/2] RUN echo <hi> & bye");
  v->mutable_started()->set_seconds(1700000000);
  v->mutable_started()->set_nanos(120000000);
  auto* l = r.add_logs();
  l->set_vertex("sha256:d");
  l->set_stream(1);
  l->set_msg("hi\n");
  l->mutable_timestamp()->set_seconds(1700000001);
  display->update(r);
  moby::buildkit::v1::StatusResponse s;
  auto* st = s.add_statuses();
  st->set_id("x");
  st->set_current(5);
  st->mutable_timestamp()->set_seconds(0);
  display->update(s);
  display->finish();

  EXPECT_EQ(
    out.str(),
    R"({"vertexes":[{"digest":"sha256:d","name":"[1/2] RUN echo )"
    R"(\u003chi\u003e \u0026 bye","started":"2023-11-14T22:13:20.12Z"}],)"
    R"("logs":[{"vertex":"sha256:d","stream":1,"data":"aGkK",)"
    R"("timestamp":"2023-11-14T22:13:21Z"}]})"
    "\n"
    R"({"statuses":[{"id":"x","current":5,)"
    R"("timestamp":"1970-01-01T00:00:00Z"}]})"
    "\n");
}

} // namespace
} // namespace kiln::progress
