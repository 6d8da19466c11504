#include "kiln/progress/display.h"

#include <cstdlib>
#include <cstring>

#include <unistd.h>

#include "kiln/progress/printer.h"
#include "kiln/util/error.h"

namespace kiln::progress {

Mode parse_mode(const std::string& text, bool terminal)
{
  if (text == "auto" || text.empty()) {
    return terminal ? Mode::tty : Mode::plain;
  }
  if (text == "tty") {
    return Mode::tty;
  }
  if (text == "plain") {
    return Mode::plain;
  }
  if (text == "quiet" || text == "none") {
    return Mode::quiet;
  }
  if (text == "rawjson") {
    return Mode::rawjson;
  }
  throw util::UserError("invalid progress mode " + util::quote(text));
}

bool stderr_is_terminal()
{
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) != 0 &&
         (term == nullptr || std::strcmp(term, "dumb") != 0);
}

std::unique_ptr<Display> make_display(Mode mode, std::ostream& out,
                                      std::string description)
{
  if (mode == Mode::tty) {
    return detail::make_tty(out);
  }
  if (mode == Mode::rawjson) {
    return detail::make_rawjson(out);
  }
  return std::make_unique<Printer>(out, mode, std::move(description));
}

} // namespace kiln::progress
