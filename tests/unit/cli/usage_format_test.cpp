#include "kiln/cli/usage_format.h"
#include "kiln/util/error.h"
#include "kiln/util/tabwriter.h"

#include <gtest/gtest.h>

namespace kiln::cli {
namespace {

template <typename F>
std::string error_of(F f)
{
  try {
    f();
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(UsageFormat, HumanSizes)
{
  EXPECT_EQ(human_size(0), "0B");
  EXPECT_EQ(human_size(4096), "4.096kB");
  EXPECT_EQ(human_size(20640), "20.64kB");
  EXPECT_EQ(human_size(5083000), "5.083MB");
  EXPECT_EQ(human_size(999), "999B");
}

TEST(UsageFormat, HumanDurations)
{
  using namespace std::chrono;
  EXPECT_EQ(human_duration(milliseconds(300)), "Less than a second");
  EXPECT_EQ(human_duration(seconds(1)), "1 second");
  EXPECT_EQ(human_duration(seconds(42)), "42 seconds");
  EXPECT_EQ(human_duration(seconds(90)), "About a minute");
  EXPECT_EQ(human_duration(minutes(59)), "59 minutes");
  EXPECT_EQ(human_duration(minutes(80)), "About an hour");
  EXPECT_EQ(human_duration(hours(47)), "47 hours");
  EXPECT_EQ(human_duration(hours(24 * 10)), "10 days");
  EXPECT_EQ(human_duration(hours(24 * 7 * 3)), "3 weeks");
}

TEST(UsageFormat, Filters)
{
  UsageFilters f = parse_usage_filters({"type=regular", "id=abc", "until=24h"});
  ASSERT_EQ(f.filters.size(), 1U);
  EXPECT_EQ(f.filters[0], "id~=abc,type==regular");
  EXPECT_EQ(f.keep_duration, std::chrono::hours(24));
  EXPECT_EQ(parse_usage_filters({}).filters, std::vector<std::string>{""});
}

TEST(UsageFormat, BuildxErrorTexts)
{
  EXPECT_EQ(error_of([] { parse_usage_filters({"foo"}); }),
            "invalid argument \"foo\" for \"--filter\" flag: bad format of "
            "filter (expected name=value)");
  EXPECT_EQ(error_of([] { parse_usage_filters({"until=3x"}); }),
            "\"until\" filter expects a duration (e.g., '24h'): time: unknown "
            "unit \"x\" in duration \"3x\"");
  EXPECT_EQ(error_of([] {
              parse_usage_filters({"type=a", "type=b"});
            }),
            "\"type\" filter expects only one value");
  EXPECT_EQ(error_of([] { parse_mem_bytes("--keep-storage", "3x"); }),
            "invalid argument \"3x\" for \"--keep-storage\" flag: invalid "
            "suffix: 'x'");
  EXPECT_EQ(parse_mem_bytes("--keep-storage", "512m"), 512LL * 1024 * 1024);
  EXPECT_EQ(parse_mem_bytes("--keep-storage", "1.5GiB"), 1536LL * 1024 * 1024);
}

TEST(UsageFormat, TabPaddedColumns)
{
  EXPECT_EQ(
    util::tabwrite_tabs("Reclaimable:\t5.083MB\nTotal:\t5.083MB\n", 1, 1),
    "Reclaimable:\t5.083MB\nTotal:\t\t5.083MB\n");
}

} // namespace
} // namespace kiln::cli
