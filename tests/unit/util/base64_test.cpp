#include "kiln/util/base64.h"

#include <gtest/gtest.h>

namespace kiln::util {
namespace {

TEST(Base64, RoundTripsEveryTailLength)
{
  for (std::string text : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10"}) {
    Base64 back = decode_base64(encode_base64(text));
    EXPECT_TRUE(back.ok()) << text;
    EXPECT_EQ(back.bytes, text);
  }
  EXPECT_EQ(encode_base64("ab"), "YWI=");
}

TEST(Base64, SkipsLineBreaks)
{
  Base64 d = decode_base64("eyJh\r\nIjox\nfQ==\n");
  EXPECT_TRUE(d.ok());
  EXPECT_EQ(d.bytes, "{\"a\":1}");
}

TEST(Base64, NamesTheFirstBadByte)
{
  EXPECT_EQ(decode_base64("sha256:abcd").bad_at, 6U);
  EXPECT_EQ(decode_base64("YW=j").bad_at, 3U);
  EXPECT_EQ(decode_base64("a-b").bad_at, 1U);
}

TEST(Base64, RequiresExactPadding)
{
  EXPECT_FALSE(decode_base64("YWJ").ok());
  EXPECT_FALSE(decode_base64("YWI").ok());
  EXPECT_FALSE(decode_base64("YWI==").ok());
  EXPECT_FALSE(decode_base64("Y===").ok());
  EXPECT_TRUE(decode_base64("YWI=").ok());
  EXPECT_TRUE(decode_base64("YQ==").ok());
}

} // namespace
} // namespace kiln::util
