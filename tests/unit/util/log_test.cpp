#include "kiln/util/log.h"

#include <gtest/gtest.h>

namespace kiln::util {
namespace {

TEST(Redact, HidesSecretsAddedLater)
{
  EXPECT_EQ(redact("token kiln-unit-tok in text"),
            "token kiln-unit-tok in text");
  add_secret("kiln-unit-tok");
  add_secret("kiln-unit-tok-longer");
  EXPECT_EQ(redact("token kiln-unit-tok in kiln-unit-tok-longer"),
            "token *** in ***");
  // Too short to hide without garbling everything else.
  add_secret("ab");
  EXPECT_EQ(redact("abc"), "abc");
}

} // namespace
} // namespace kiln::util
