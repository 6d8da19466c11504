#include "kiln/progress/printer.h"

#include <sstream>

#include <gtest/gtest.h>

namespace kiln::progress {
namespace {

namespace v1 = moby::buildkit::v1;

void at(google::protobuf::Timestamp* t, double seconds)
{
  t->set_seconds(static_cast<std::int64_t>(seconds));
  t->set_nanos(static_cast<std::int32_t>((seconds - t->seconds()) * 1e9));
}

v1::Vertex* vertex(v1::StatusResponse& r, const std::string& digest,
                   const std::string& name, double started, double completed)
{
  auto* v = r.add_vertexes();
  v->set_digest(digest);
  v->set_name(name);
  if (started > 0) {
    at(v->mutable_started(), started);
  }
  if (completed > 0) {
    at(v->mutable_completed(), completed);
  }
  return v;
}

TEST(Printer, PlainStepsLogsAndEndings)
{
  std::ostringstream out;
  Printer p(out, Mode::plain,
            "building with \"b\" instance using remote "
            "driver");

  v1::StatusResponse first;
  vertex(first, "d1", "[1/2] RUN echo hi", 100, 0);
  auto* log = first.add_logs();
  log->set_vertex("d1");
  log->set_msg("hi\npart");
  at(log->mutable_timestamp(), 100.5);
  p.update(first);

  v1::StatusResponse second;
  vertex(second, "d1", "[1/2] RUN echo hi", 100, 100.25);
  vertex(second, "d2", "[2/2] COPY a b", 100, 100.5)->set_cached(true);
  auto* failed = vertex(second, "d3", "[3/3] RUN false", 100, 101);
  failed->set_error("exit code: 1");
  auto* out_log = second.add_logs();
  out_log->set_vertex("d3");
  out_log->set_msg("oops\n");
  at(out_log->mutable_timestamp(), 100.25);
  p.update(second);
  p.finish();

  EXPECT_EQ(out.str(), "#0 building with \"b\" instance using remote driver\n"
                       "\n"
                       "#1 [1/2] RUN echo hi\n"
                       "#1 0.500 hi\n"
                       "#1 0.500 part\n"
                       "#1 DONE 0.2s\n"
                       "\n"
                       "#2 [2/2] COPY a b\n"
                       "#2 CACHED\n"
                       "\n"
                       "#3 [3/3] RUN false\n"
                       "#3 0.250 oops\n"
                       "#3 ERROR: exit code: 1\n"
                       "------\n"
                       " > [3/3] RUN false:\n"
                       "0.250 oops\n"
                       "------\n");
}

TEST(Printer, QuickStatusShowsOnlyItsLastLine)
{
  std::ostringstream out;
  Printer p(out, Mode::plain, "");
  v1::StatusResponse r;
  vertex(r, "d", "[internal] load build context", 10, 0);
  auto* s = r.add_statuses();
  s->set_id("transferring context:");
  s->set_vertex("d");
  at(s->mutable_started(), 10);
  at(s->mutable_timestamp(), 10.1);
  p.update(r);
  s->set_current(1234);
  at(s->mutable_completed(), 10.2);
  vertex(r, "d", "[internal] load build context", 10, 10.3);
  p.update(r);

  EXPECT_EQ(out.str(), "#1 [internal] load build context\n"
                       "#1 transferring context: 1.23kB 0.2s done\n"
                       "#1 DONE 0.3s\n");
}

TEST(Printer, StatusAfterTheStepEndedIsShown)
{
  std::ostringstream out;
  Printer p(out, Mode::plain, "");
  v1::StatusResponse ended;
  vertex(ended, "d", "[internal] load build context", 10, 10.5);
  p.update(ended);
  v1::StatusResponse late;
  auto* s = late.add_statuses();
  s->set_id("transferring context:");
  s->set_vertex("d");
  s->set_current(1850);
  at(s->mutable_started(), 10);
  at(s->mutable_timestamp(), 10.4);
  at(s->mutable_completed(), 10.4);
  p.update(late);

  EXPECT_EQ(out.str(), "#1 [internal] load build context\n"
                       "#1 DONE 0.5s\n"
                       "\n"
                       "#1 [internal] load build context\n"
                       "#1 transferring context: 1.85kB 0.4s done\n"
                       "#1 DONE 0.5s\n");
}

TEST(Printer, QuietPrintsNothing)
{
  std::ostringstream out;
  Printer p(out, Mode::quiet, "x");
  v1::StatusResponse r;
  vertex(r, "d", "step", 1, 2);
  p.update(r);
  p.finish();
  EXPECT_EQ(out.str(), "");
}

} // namespace
} // namespace kiln::progress
