#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kiln::util {

/// What went wrong in a remote call, translated once from its transport.
enum class ErrorKind {
  unavailable,
  timeout,
  tls,
  auth,
  invalid,
  unsupported,
  internal,
};

/// Returns the short lowercase name of `kind`, as shown in debug logs.
const char* to_string(ErrorKind kind);

/// A remote call's failure: its kind and a one-line message.
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
};

/// The value of a remote call or the reason it failed.
template <typename T>
class Result {
public:
  Result(T value) : m_data(std::move(value)) {} // NOLINT: implicit by design
  Result(Error error) : m_data(std::move(error)) {} // NOLINT

  /// Returns whether the call produced a value.
  [[nodiscard]] bool ok() const { return m_data.index() == 0; }
  explicit operator bool() const { return ok(); }

  /// Returns the value; only valid when `ok()`.
  T& value() { return std::get<0>(m_data); }
  const T& value() const { return std::get<0>(m_data); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

  /// Returns the failure; only valid when `!ok()`.
  const Error& error() const { return std::get<1>(m_data); }

private:
  std::variant<T, Error> m_data;
};

/// A result that carries no value.
struct Unit {};

} // namespace kiln::util
