#include "kiln/cli/build_options.h"
#include "kiln/util/error.h"

#include <gtest/gtest.h>

namespace kiln::cli {
namespace {

std::string error_of(const std::string& text)
{
  try {
    parse_output(text);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseOutput, ShorthandsAndFields)
{
  auto dir = parse_output("out");
  EXPECT_EQ(dir.type, "local");
  EXPECT_EQ(dir.dest, "out");
  auto tar = parse_output("-");
  EXPECT_EQ(tar.type, "tar");
  EXPECT_EQ(tar.dest, "-");
  auto full = parse_output("type=docker,dest=x.tar,Name=img");
  EXPECT_EQ(full.type, "docker");
  EXPECT_EQ(full.dest, "x.tar");
  EXPECT_EQ(full.attrs.at("name"), "img");
}

TEST(ParseOutput, NamesTheBadPart)
{
  EXPECT_EQ(error_of("type=local,dest"), "invalid value dest");
  EXPECT_EQ(error_of("dest=x,foo=bar"), "type is required for output");
}

} // namespace
} // namespace kiln::cli
