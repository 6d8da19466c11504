// `certs create`: a CA, a daemon certificate and a client certificate,
// laid out as the remote-driver guide expects, so that a mutual-TLS
// BuildKit needs nothing but kiln to set up.
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "kiln/cli/commands.h"
#include "kiln/util/error.h"
#include "kiln/util/fs.h"
#include "kiln/util/strings.h"
#include "kiln/util/x509.h"

namespace kiln::cli {

namespace {

namespace fs = std::filesystem;
using util::quote;
using util::UserError;

struct CertsOptions {
  std::string dir = ".certs";
  std::vector<std::string> sans = {"localhost", "127.0.0.1"};
  int days = 365;
  bool force = false;
};

std::vector<std::string> san_list(const std::vector<std::string>& raw)
{
  std::vector<std::string> out;
  for (const auto& item : raw) {
    for (const auto& name : util::split_csv(item)) {
      if (name.empty() || name.find_first_of(" /") != std::string::npos) {
        throw UserError("invalid subject alternative name " + quote(name));
      }
      out.push_back(name);
    }
  }
  if (out.empty()) {
    throw UserError("--san needs at least one name or address");
  }
  return out;
}

// Writes one side's files (`ca.pem`, `cert.pem`, `key.pem`) into `dir`.
void write_side(const fs::path& dir, const util::KeyPair& ca,
                const util::KeyPair& leaf)
{
  util::make_private_dirs(dir);
  util::write_file_atomic(dir / "ca.pem", ca.cert_pem, 0644);
  util::write_file_atomic(dir / "cert.pem", leaf.cert_pem, 0644);
  util::write_file_atomic(dir / "key.pem", leaf.key_pem, 0600);
}

void run_certs_create(const CertsOptions& opts)
{
  if (opts.days < 1) {
    throw UserError("invalid --days " + std::to_string(opts.days) +
                    ": expected a whole number of days from 1");
  }
  auto sans = san_list(opts.sans);
  fs::path dir = fs::absolute(opts.dir).lexically_normal();
  std::error_code ec;
  if (fs::exists(dir, ec) && !opts.force) {
    throw UserError("certificates already exist in " + quote(dir.string()) +
                    "; use --force to replace them");
  }

  auto ca = util::make_certificate(
    {"kiln CA", util::CertUse::authority, {}, opts.days}, nullptr);
  auto daemon = util::make_certificate(
    {"buildkitd", util::CertUse::server, sans, opts.days}, &ca);
  auto client = util::make_certificate(
    {"kiln client", util::CertUse::client, {}, opts.days}, &ca);

  // Everything is written next to `dir` first and renamed into place,
  // so an interrupted run leaves either the old set or the new one.
  fs::path staging = dir;
  staging += std::string(util::temp_prefix) + std::to_string(getpid());
  util::remove_all(staging);
  write_side(staging / "daemon", ca, daemon);
  write_side(staging / "client", ca, client);
  fs::path old = dir;
  old += ".old-" + std::to_string(getpid());
  if (fs::exists(dir, ec)) {
    fs::rename(dir, old);
  }
  fs::rename(staging, dir);
  util::remove_all(old);

  std::cout << "wrote " << (dir / "daemon").string()
            << "/{ca,cert,key}.pem for buildkitd --tlscacert, --tlscert "
               "and --tlskey\n"
            << "wrote " << (dir / "client").string()
            << "/{ca,cert,key}.pem for --driver-opt cacert=,cert=,key=\n"
            << "the daemon certificate names " << util::join(sans, ", ")
            << '\n';
}

} // namespace

void add_certs(CLI::App& app, const Globals& globals)
{
  (void)globals;
  auto* certs = app.add_subcommand("certs", "Manage TLS certificates");
  certs->require_subcommand(1);
  auto o = std::make_shared<CertsOptions>();
  auto* cmd = certs->add_subcommand(
    "create", "Create a CA, a daemon and a client certificate");
  cmd->add_option("--dir", o->dir, "Folder for the certificates")
    ->capture_default_str();
  cmd->add_option("--san", o->sans, "Names and addresses the daemon answers on")
    ->allow_extra_args(false)
    ->capture_default_str();
  cmd->add_option("--days", o->days, "How long the certificates are valid")
    ->capture_default_str();
  cmd->add_flag("--force", o->force, "Replace an existing set");
  cmd->callback([o] { run_certs_create(*o); });
}

} // namespace kiln::cli
