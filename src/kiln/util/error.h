#pragma once

#include <stdexcept>
#include <string>

namespace kiln::util {

/// A user or configuration error: caught once in main, printed as
/// `ERROR: <message>` and turned into exit code 1.
class UserError : public std::runtime_error {
public:
  explicit UserError(const std::string& message) : std::runtime_error(message)
  {}
};

/// Thrown when the user interrupts kiln; exit code 130.
class Cancelled : public std::runtime_error {
public:
  Cancelled() : std::runtime_error("cancelled") {}
};

/// Returns `value` in double quotes with quotes and backslashes escaped,
/// the way kiln names a bad value in a message.
std::string quote(const std::string& value);

} // namespace kiln::util
