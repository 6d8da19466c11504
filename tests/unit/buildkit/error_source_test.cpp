#include "kiln/buildkit/error_source.h"

#include <gtest/gtest.h>

#include "kiln/rpc_status.pb.h"

namespace kiln::buildkit {
namespace {

TEST(FormatErrorSources, MarksTheFailingLine)
{
  kiln::rpc::Status status;
  status.set_code(2);
  auto* any = status.add_details();
  any->set_type_url("github.com/moby/buildkit/errdefs.Source+json");
  // "FROM scratch\nCOPY a /\nRUN false\n" in base64.
  any->set_value(R"({"info":{"filename":"Dockerfile",)"
                 R"("data":"RlJPTSBzY3JhdGNoCkNPUFkgYSAvClJVTiBmYWxzZQo="},)"
                 R"("ranges":[{"start":{"line":3},"end":{"line":3}}]})");
  status.add_details()->set_type_url("github.com/moby/buildkit/other");

  EXPECT_EQ(format_error_sources(status.SerializeAsString()),
            "Dockerfile:3\n"
            "--------------------\n"
            "   1 |     FROM scratch\n"
            "   2 |     COPY a /\n"
            "   3 | >>> RUN false\n"
            "   4 |     \n"
            "--------------------\n");
}

TEST(FormatErrorSources, NothingWithoutDetails)
{
  EXPECT_EQ(format_error_sources(""), "");
  EXPECT_EQ(format_error_sources("not a status"), "");
}

} // namespace
} // namespace kiln::buildkit
