#include "kiln/util/base64.h"

#include <cstdint>

namespace kiln::util {

namespace {

constexpr std::string_view alphabet =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool is_line_break(char c)
{
  return c == '\r' || c == '\n';
}

} // namespace

std::string encode_base64(std::string_view data)
{
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < data.size(); i += 3) {
    std::size_t n = std::min<std::size_t>(3, data.size() - i);
    std::uint32_t chunk = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      std::uint32_t byte = j < n ? static_cast<unsigned char>(data[i + j]) : 0;
      chunk = chunk << 8 | byte;
    }
    for (std::size_t j = 0; j < 4; ++j) {
      out += j <= n ? alphabet[chunk >> (18 - 6 * j) & 63] : '=';
    }
  }
  return out;
}

Base64 decode_base64(std::string_view text)
{
  Base64 out;
  std::uint32_t bits = 0;
  int pending = 0;
  std::size_t digits = 0;
  std::size_t at = 0;
  for (; at < text.size(); ++at) {
    char c = text[at];
    if (is_line_break(c)) {
      continue;
    }
    if (c == '=') {
      break;
    }
    std::size_t value = alphabet.find(c);
    if (value == std::string_view::npos) {
      out.bad_at = at;
      return out;
    }
    bits = bits << 6 | static_cast<std::uint32_t>(value);
    pending += 6;
    ++digits;
    if (pending >= 8) {
      pending -= 8;
      out.bytes += static_cast<char>(bits >> pending & 0xff);
    }
  }

  // Only the padding a partial group needs may follow.
  std::size_t pads = 0;
  for (std::size_t i = at; i < text.size(); ++i) {
    if (is_line_break(text[i])) {
      continue;
    }
    if (text[i] != '=') {
      out.bad_at = i;
      return out;
    }
    ++pads;
  }
  std::size_t needed = (4 - digits % 4) % 4;
  if (digits % 4 == 1 || pads != needed) {
    out.bad_at = at;
  }
  return out;
}

} // namespace kiln::util
