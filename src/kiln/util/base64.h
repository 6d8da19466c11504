#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kiln::util {

/// What decoding base64 gave: the bytes, or where the text went wrong.
struct Base64 {
  /// The decoded bytes (those before the fault, when there is one).
  std::string bytes;
  /// The position in the text of the first byte that is not valid
  /// there; `npos` when the whole text is valid.
  std::size_t bad_at = std::string::npos;

  /// Returns whether the whole text was valid.
  [[nodiscard]] bool ok() const { return bad_at == std::string::npos; }
};

/// Encodes `data` as standard, padded base64.
std::string encode_base64(std::string_view data);

/// Decodes standard, padded base64, skipping line breaks, as Go's
/// `base64.StdEncoding` does.
Base64 decode_base64(std::string_view text);

} // namespace kiln::util
