#include "kiln/cli/build_metadata.h"

#include <gtest/gtest.h>

namespace kiln::cli {
namespace {

TEST(DecodeBase64, StrictPadding)
{
  EXPECT_EQ(decode_base64("eyJhIjoxfQ=="), "{\"a\":1}");
  EXPECT_EQ(decode_base64("YWJj"), "abc");
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("YWJ"), std::nullopt);
  EXPECT_EQ(decode_base64("sha256:abcd"), std::nullopt);
  EXPECT_EQ(decode_base64("YW=j"), std::nullopt);
}

TEST(MetadataJson, EmbedsJsonObjectsKeepsStrings)
{
  std::map<std::string, std::string> response = {
    {"containerimage.digest", "sha256:abc"},
    // {"mediaType":"x","size":3}
    {"containerimage.descriptor", "eyJtZWRpYVR5cGUiOiJ4Iiwic2l6ZSI6M30="},
    // "abcd" decodes, but not to JSON.
    {"image.name", "abcd"},
    // [] is an empty list: kept as text.
    {"empty", "W10="},
  };
  EXPECT_EQ(metadata_json(response), R"({
  "containerimage.descriptor": {
    "mediaType": "x",
    "size": 3
  },
  "containerimage.digest": "sha256:abc",
  "empty": "W10=",
  "image.name": "abcd"
})");
  EXPECT_EQ(metadata_json({}), "{}");
}

} // namespace
} // namespace kiln::cli
