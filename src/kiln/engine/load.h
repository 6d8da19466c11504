#pragma once

#include <string>
#include <string_view>

#include "kiln/engine/host.h"
#include "kiln/util/fd.h"
#include "kiln/util/result.h"

namespace kiln::engine {

/// Streams an image tarball into the Engine's `POST /images/load` as it
/// arrives, without a temporary file.
class ImageLoad {
public:
  /// Connects to the Engine at `host` and sends the request head.
  static util::Result<ImageLoad> open(const Host& host);

  /// Sends the next `bytes` of the tarball; throws `std::runtime_error`
  /// when the Engine went away.
  void write(std::string_view bytes);

  /// Ends the upload and returns what the Engine said it loaded, like
  /// `Loaded image: test:latest`.
  util::Result<std::string> finish();

private:
  explicit ImageLoad(util::Fd fd, std::string address)
    : m_fd(std::move(fd)), m_address(std::move(address))
  {}

  util::Fd m_fd;
  std::string m_address;
};

} // namespace kiln::engine
