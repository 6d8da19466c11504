#include "kiln/util/error.h"

namespace kiln::util {

std::string quote(const std::string& value)
{
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return out;
}

} // namespace kiln::util
