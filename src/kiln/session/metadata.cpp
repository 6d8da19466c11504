#include "kiln/session/metadata.h"

#include "kiln/util/strings.h"

namespace kiln::session {

namespace {

// Undoes query escaping: `+` is a space, `%XX` a byte.
std::string unescape(const std::string& text)
{
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() &&
               util::hex_digit(text[i + 1]) >= 0 &&
               util::hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(util::hex_digit(text[i + 1]) * 16 +
                               util::hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

std::vector<std::string> metadata_values(const grpc::ServerContext& ctx,
                                         const std::string& key)
{
  const auto& md = ctx.client_metadata();
  bool encoded = false;
  auto flag = md.find(key + "-encoded");
  if (flag != md.end()) {
    std::string v(flag->second.data(), flag->second.size());
    encoded = v == "1" || v == "true" || v == "t" || v == "TRUE";
  }

  std::vector<std::string> out;
  auto [begin, end] = md.equal_range(key);
  for (auto it = begin; it != end; ++it) {
    std::string v(it->second.data(), it->second.size());
    out.push_back(encoded ? unescape(v) : v);
  }
  return out;
}

} // namespace kiln::session
