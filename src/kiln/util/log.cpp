#include "kiln/util/log.h"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <regex>
#include <vector>

namespace kiln::util {

namespace {

std::atomic<bool> g_debug{false};
std::mutex g_mutex;
std::mutex g_secrets_mutex;
std::vector<std::string> g_secrets;

} // namespace

void set_debug(bool enabled)
{
  g_debug = enabled;
}

bool debug_enabled()
{
  return g_debug;
}

std::string redact(const std::string& text)
{
  // scheme://user:password@host → scheme://***@host
  static const std::regex userinfo(R"(([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@)");
  static const std::regex key_block(
    R"(-----BEGIN [A-Z ]*PRIVATE KEY-----)"
    R"([\s\S]*?-----END [A-Z ]*PRIVATE KEY-----)");
  std::string out = std::regex_replace(text, userinfo, "$1***@");
  out = std::regex_replace(out, key_block, "***");

  std::lock_guard lock(g_secrets_mutex);
  for (const auto& secret : g_secrets) {
    for (auto at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + 3)) {
      out.replace(at, secret.size(), "***");
    }
  }
  return out;
}

void add_secret(const std::string& value)
{
  if (value.size() < 4) {
    return;
  }
  std::lock_guard lock(g_secrets_mutex);
  if (std::find(g_secrets.begin(), g_secrets.end(), value) == g_secrets.end()) {
    // Longest first, so that a secret containing another is hidden whole.
    auto at =
      std::find_if(g_secrets.begin(), g_secrets.end(),
                   [&](const auto& s) { return s.size() < value.size(); });
    g_secrets.insert(at, value);
  }
}

void debug(const std::string& line)
{
  if (!g_debug) {
    return;
  }
  std::lock_guard lock(g_mutex);
  std::cerr << "DEBUG: " << redact(line) << '\n';
}

void debug_call(const std::string& what, const std::string& outcome,
                std::chrono::steady_clock::time_point start)
{
  if (!g_debug) {
    return;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - start);
  debug(what + ": " + outcome + " (" + std::to_string(ms.count()) + "ms)");
}

} // namespace kiln::util
