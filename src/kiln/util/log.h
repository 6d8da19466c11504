#pragma once

#include <chrono>
#include <string>

namespace kiln::util {

/// Turns the debug log on or off; it is off unless `--debug` or
/// `BUILDX_DEBUG` asks for it.
void set_debug(bool enabled);

/// Returns whether the debug log is on.
bool debug_enabled();

/// Writes one line to the debug log on stderr, after redacting secrets.
void debug(const std::string& line);

/// Logs one remote call: `what`, its outcome and how long it took since
/// `start`.
void debug_call(const std::string& what, const std::string& outcome,
                std::chrono::steady_clock::time_point start);

/// Returns `text` with URL user-info, private key blocks and the values
/// given to `add_secret` replaced by `***`.
std::string redact(const std::string& text);

/// Makes `redact` hide `value` (a password, token or secret) from now
/// on; values shorter than 4 bytes are too common to hide and are
/// ignored.
void add_secret(const std::string& value);

} // namespace kiln::util
