#include "kiln/util/result.h"

namespace kiln::util {

const char* to_string(ErrorKind kind)
{
  switch (kind) {
  case ErrorKind::unavailable:
    return "unavailable";
  case ErrorKind::timeout:
    return "timeout";
  case ErrorKind::tls:
    return "tls";
  case ErrorKind::auth:
    return "auth";
  case ErrorKind::invalid:
    return "invalid";
  case ErrorKind::unsupported:
    return "unsupported";
  case ErrorKind::internal:
    return "internal";
  }
  return "internal";
}

} // namespace kiln::util
