#include "kiln/util/error.h"
#include "kiln/util/log.h"

#include <gtest/gtest.h>

namespace kiln::util {
namespace {

TEST(Quote, EscapesQuotesAndBackslashes)
{
  EXPECT_EQ(quote("plain"), "\"plain\"");
  EXPECT_EQ(quote(R"(a"b\c)"), R"("a\"b\\c")");
}

TEST(Redact, HidesUserInfoAndKeys)
{
  EXPECT_EQ(redact("ssh://me:pw@host:22/x"), "ssh://***@host:22/x");
  EXPECT_EQ(redact("k=-----BEGIN PRIVATE KEY-----\nabc\n"
                   "-----END PRIVATE KEY----- done"),
            "k=*** done");
  EXPECT_EQ(redact("tcp://host:1234"), "tcp://host:1234");
}

} // namespace
} // namespace kiln::util
