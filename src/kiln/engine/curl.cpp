#include "kiln/engine/curl.h"

#include <mutex>

#include <dlfcn.h>

namespace kiln::engine {

namespace {

// The soname of libcurl 7 and 8 (libcurl4-openssl-dev on Debian).
constexpr const char* k_library = "libcurl.so.4";

template <typename F>
bool bind(void* lib, const char* name, F& slot)
{
  slot = reinterpret_cast<F>(dlsym(lib, name));
  return slot != nullptr;
}

util::Result<const CurlApi*> load()
{
  static CurlApi api;
  void* lib = dlopen(k_library, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    return util::Error{util::ErrorKind::internal, std::string("cannot load ") +
                                                    k_library + ": " +
                                                    dlerror()};
  }
  bool ok = bind(lib, "curl_easy_init", api.easy_init) &&
            bind(lib, "curl_easy_cleanup", api.easy_cleanup) &&
            bind(lib, "curl_easy_setopt", api.easy_setopt) &&
            bind(lib, "curl_easy_perform", api.easy_perform) &&
            bind(lib, "curl_easy_getinfo", api.easy_getinfo) &&
            bind(lib, "curl_easy_strerror", api.easy_strerror) &&
            bind(lib, "curl_slist_append", api.slist_append) &&
            bind(lib, "curl_slist_free_all", api.slist_free_all);
  if (!ok) {
    return util::Error{util::ErrorKind::internal, std::string(k_library) +
                                                    " lacks a function kiln "
                                                    "needs: " +
                                                    dlerror()};
  }
  // The library stays loaded for the rest of the process; curl's global
  // set-up runs on the first easy_init.
  return &api;
}

} // namespace

util::Result<const CurlApi*> curl_api()
{
  static std::once_flag once;
  static util::Result<const CurlApi*> loaded =
    util::Error{util::ErrorKind::internal, "libcurl not loaded"};
  std::call_once(once, [] { loaded = load(); });
  return loaded;
}

} // namespace kiln::engine
