#pragma once

// libcurl, loaded on first use. Internal to engine/.

#include <curl/curl.h>

#include "kiln/util/result.h"

namespace kiln::engine {

/// The libcurl entry points kiln calls. They are looked up in the shared
/// library the first time an HTTP request needs them, so that commands
/// which never speak plain HTTP (most `ls` and `inspect` runs) do not
/// load libcurl and its two dozen dependencies at every start.
struct CurlApi {
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
};

/// Returns libcurl's entry points, loading the library once; fails
/// naming the library when it or one of its functions is missing.
util::Result<const CurlApi*> curl_api();

} // namespace kiln::engine
