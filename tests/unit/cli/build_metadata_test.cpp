#include "kiln/cli/build_metadata.h"

#include <gtest/gtest.h>

namespace kiln::cli {
namespace {

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
