// The remote driver: a BuildKit daemon that someone else runs, reached
// over a unix socket, tcp (optionally with mutual TLS) or, later, a
// helper process.
#include <filesystem>
#include <future>

#include "kiln/buildkit/client.h"
#include "kiln/connect/channel.h"
#include "kiln/connect/endpoint.h"
#include "kiln/connect/helper.h"
#include "kiln/connect/probe.h"
#include "kiln/connect/tls.h"
#include "kiln/driver/driver.h"
#include "kiln/util/error.h"
#include "kiln/util/process.h"

namespace kiln::driver::detail {

namespace {

using util::quote;
using util::UserError;

/// The remote driver's parsed options.
struct RemoteOptions {
  connect::TlsOptions tls;
  bool default_load = false;
};

bool parse_bool(const std::string& key, const std::string& value)
{
  if (value == "true" || value == "1" || value == "t" || value == "TRUE" ||
      value == "True" || value == "T") {
    return true;
  }
  if (value == "false" || value == "0" || value == "f" || value == "FALSE" ||
      value == "False" || value == "F") {
    return false;
  }
  throw UserError("invalid value " + quote(value) + " for driver option " +
                  key + ": expected true or false");
}

RemoteOptions parse_options(const store::Node& node,
                            const connect::Endpoint& endpoint)
{
  RemoteOptions out;
  for (const auto& [key, value] : node.driver_opts) {
    if (key == "cacert" || key == "cert" || key == "key") {
      if (!std::filesystem::path(value).is_absolute()) {
        throw UserError("non-absolute path " + quote(value) + " provided for " +
                        key);
      }
      std::string& slot = key == "cacert" ? out.tls.ca_cert
                          : key == "cert" ? out.tls.cert
                                          : out.tls.key;
      slot = value;
      out.tls.enabled = true;
    } else if (key == "servername") {
      out.tls.server_name = value;
      out.tls.enabled = true;
    } else if (key == "default-load") {
      out.default_load = parse_bool(key, value);
    } else {
      throw UserError("invalid driver option " + quote(key) +
                      " for remote driver");
    }
  }
  if (!out.tls.enabled) {
    return out;
  }

  std::vector<std::string> missing;
  if (out.tls.ca_cert.empty()) {
    missing.emplace_back("cacert");
  }
  if (!out.tls.cert.empty() && out.tls.key.empty()) {
    missing.emplace_back("key");
  }
  if (!out.tls.key.empty() && out.tls.cert.empty()) {
    missing.emplace_back("cert");
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) {
      list += (list.empty() ? "" : ", ") + m;
    }
    throw UserError("tls enabled, but missing keys " + list);
  }
  if (endpoint.scheme != connect::Scheme::tcp) {
    throw UserError("tls driver options need a tcp:// endpoint, not " +
                    quote(endpoint.raw));
  }
  if (out.tls.server_name.empty()) {
    out.tls.server_name = endpoint.host;
  }
  return out;
}

class RemoteDriver : public Driver {
public:
  explicit RemoteDriver(const store::Node& node)
    : m_endpoint(connect::parse_endpoint(node.endpoint)),
      m_options(parse_options(node, m_endpoint))
  {}

  NodeStatus status(util::Deadline deadline) override
  {
    if (connect::needs_helper(m_endpoint)) {
      return status_via_helper(m_endpoint, deadline);
    }

    connect::TlsFiles files;
    try {
      files = connect::load_tls_files(m_options.tls);
    } catch (const UserError& e) {
      return inactive({util::ErrorKind::invalid, e.what()});
    }

    // The probe runs beside the real calls: on a live daemon it only
    // measures the round trip; on a dead one its reason is the one shown.
    auto probing = std::async(std::launch::async, [this, &files, deadline] {
      return connect::probe(m_endpoint, m_options.tls, files, deadline);
    });
    util::Result<buildkit::DaemonInfo> info =
      util::Error{util::ErrorKind::internal, "not asked"};
    {
      buildkit::Client client(
        connect::open_channel(m_endpoint, m_options.tls, files));
      info = client.describe(deadline);
    }
    auto probed = probing.get();
    if (!info.ok()) {
      return inactive(probed.ok() ? info.error() : probed.error());
    }

    NodeStatus status = running(*info);
    if (probed.ok()) {
      status.round_trip = probed->round_trip;
    }
    return status;
  }

  [[nodiscard]] bool default_load() const override
  {
    return m_options.default_load;
  }

  util::Result<std::shared_ptr<grpc::Channel>> channel() override
  {
    if (connect::needs_helper(m_endpoint)) {
      return channel_via_helper(m_endpoint, m_helper);
    }
    connect::TlsFiles files;
    try {
      files = connect::load_tls_files(m_options.tls);
    } catch (const UserError& e) {
      return util::Error{util::ErrorKind::invalid, e.what()};
    }
    return connect::open_channel(m_endpoint, m_options.tls, files);
  }

  std::string connection_trouble() override
  {
    return m_helper ? helper_trouble(*m_helper) : "";
  }

private:
  connect::Endpoint m_endpoint;
  RemoteOptions m_options;
  /// The helper process a build's channel runs through, if any.
  std::unique_ptr<util::StdioProcess> m_helper;
};

} // namespace

void validate_remote(const store::Node& node)
{
  connect::Endpoint endpoint = connect::parse_endpoint(node.endpoint);
  parse_options(node, endpoint);
}

std::unique_ptr<Driver> make_remote(const store::Node& node)
{
  return std::make_unique<RemoteDriver>(node);
}

} // namespace kiln::driver::detail
