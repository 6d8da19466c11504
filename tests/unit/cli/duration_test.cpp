#include <gtest/gtest.h>

#include "kiln/cli/common.h"
#include "kiln/util/error.h"

namespace kiln::cli {
namespace {

using std::chrono::milliseconds;

std::string rejection(const std::string& text)
{
  try {
    parse_duration(text);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseDuration, GoUnits)
{
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("5s"), milliseconds(5000));
  EXPECT_EQ(parse_duration("2m"), milliseconds(120000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3600000));
}

TEST(ParseDuration, CombinedAndFractional)
{
  EXPECT_EQ(parse_duration("1m30s"), milliseconds(90000));
  EXPECT_EQ(parse_duration("1h2m3s4ms"), milliseconds(3723004));
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parse_duration("0.25h"), milliseconds(900000));
}

TEST(ParseDuration, RejectsWhatIsNotADuration)
{
  for (const char* text :
       {"", "5", "s", "5x", "5 s", "5s ", " 5s", "1m30", "5S", "ms"}) {
    EXPECT_EQ(rejection(text), "invalid duration \"" + std::string(text) +
                                 "\": expected a number with ms, s, m or h, "
                                 "like 5s")
      << text;
  }
}

TEST(ParseDuration, TakesWhatGoTakes)
{
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
  EXPECT_EQ(parse_duration(".5s"), milliseconds(500));
  EXPECT_EQ(parse_duration("1500us"), milliseconds(1));
  EXPECT_EQ(parse_duration("2000000ns"), milliseconds(2));
  EXPECT_EQ(parse_duration("3µs"), milliseconds(0));
}

TEST(ParseDuration, RejectsWhatOverflows)
{
  EXPECT_EQ(rejection("9999999999999999999h"),
            "invalid duration \"9999999999999999999h\": expected a number "
            "with ms, s, m or h, like 5s");
}

} // namespace
} // namespace kiln::cli
