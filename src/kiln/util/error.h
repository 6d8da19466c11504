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

/// A user-facing failure that ends kiln with its own exit code, as
/// Buildx exits 100 when the daemon fails internally and 102 when it ran
/// out of resources.
class ExitError : public UserError {
public:
  ExitError(const std::string& message, int exit_code)
    : UserError(message), m_exit_code(exit_code)
  {}

  /// Returns the process exit code.
  [[nodiscard]] int exit_code() const { return m_exit_code; }

private:
  int m_exit_code = 1;
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
