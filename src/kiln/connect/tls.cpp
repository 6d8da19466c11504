#include "kiln/connect/tls.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "kiln/util/error.h"

namespace kiln::connect {

namespace {

std::string read_pem(const std::string& what, const std::string& path)
{
  if (path.empty()) {
    return {};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw util::UserError("cannot read " + what + " " + util::quote(path) +
                          ": " + std::strerror(errno));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace

TlsFiles load_tls_files(const TlsOptions& options)
{
  TlsFiles files;
  files.ca_cert = read_pem("cacert", options.ca_cert);
  files.cert = read_pem("cert", options.cert);
  files.key = read_pem("key", options.key);
  return files;
}

} // namespace kiln::connect
