#include "kiln/cli/build_services.h"

#include <chrono>
#include <cstdint>

#include "kiln/session/auth.h"
#include "kiln/session/ssh.h"
#include "kiln/util/error.h"
#include "kiln/util/strings.h"

namespace kiln::cli {

namespace {

using util::UserError;

double now_seconds()
{
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(since).count();
}

void set_time(google::protobuf::Timestamp& ts, double seconds)
{
  auto whole = static_cast<std::int64_t>(seconds);
  ts.set_seconds(whole);
  ts.set_nanos(static_cast<std::int32_t>((seconds - whole) * 1e9));
}

} // namespace

session::SecretSource parse_secret(const std::string& text)
{
  std::vector<std::string> fields;
  try {
    fields = util::split_csv(text);
  } catch (const UserError& e) {
    throw UserError(std::string("failed to parse csv secret: ") + e.what());
  }

  session::SecretSource out;
  std::string type;
  for (const auto& field : fields) {
    auto eq = field.find('=');
    std::string key = util::to_lower(field.substr(0, eq));
    if (eq == std::string::npos) {
      throw UserError("invalid field '" + field + "' must be a key=value pair");
    }
    std::string value = field.substr(eq + 1);
    if (key == "type") {
      if (value != "file" && value != "env") {
        throw UserError("unsupported secret type " + util::quote(value));
      }
      type = value;
    } else if (key == "id") {
      out.id = value;
    } else if (key == "source" || key == "src") {
      out.file = value;
    } else if (key == "env") {
      out.env = value;
    } else {
      throw UserError("unexpected key '" + key + "' in '" + field + "'");
    }
  }
  // With type=env, src names the variable.
  if (type == "env" && out.env.empty()) {
    out.env = out.file;
    out.file.clear();
  }
  return out;
}

session::SshSpec parse_ssh(const std::string& text)
{
  session::SshSpec out;
  auto eq = text.find('=');
  out.id = text.substr(0, eq);
  if (eq == std::string::npos) {
    return out;
  }
  std::string rest = text.substr(eq + 1);
  std::size_t start = 0;
  while (true) {
    auto comma = rest.find(',', start);
    out.paths.push_back(rest.substr(start, comma - start));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

BuildServices::BuildServices(const std::vector<std::string>& secrets,
                             const std::vector<std::string>& ssh,
                             const std::string& docker_config_dir,
                             std::ostream& warnings)
{
  // Buildx's order: every value parsed, then the sources checked.
  std::vector<session::SecretSource> sources;
  for (const auto& text : secrets) {
    if (!text.empty()) {
      sources.push_back(parse_secret(text));
    }
  }
  std::vector<session::SshSpec> specs;
  for (const auto& text : ssh) {
    if (!text.empty()) {
      specs.push_back(parse_ssh(text));
    }
  }

  try {
    m_secrets = session::check_secrets(sources);
    m_agents = std::make_unique<session::SshAgents>(specs);
  } catch (const UserError& e) {
    throw UserError(std::string("failed to build: ") + e.what());
  }
  m_credentials =
    std::make_shared<session::CredentialStore>(docker_config_dir, warnings);
}

void BuildServices::add_to(session::Session& session)
{
  auto shared = m_shared;
  session.add(session::make_auth(m_credentials,
                                 [shared](const std::string& host) {
                                   std::lock_guard lock(shared->mutex);
                                   shared->hosts.emplace_back(host,
                                                              now_seconds());
                                 }),
              {session::k_auth_credentials_method});
  session.add(session::make_secrets(m_secrets), {session::k_get_secret_method});
  session.add(session::make_ssh(m_agents->sockets()),
              {session::k_ssh_check_method, session::k_ssh_forward_method});
}

void BuildServices::show_shared(progress::Display& display)
{
  std::vector<std::pair<std::string, double>> hosts;
  {
    std::lock_guard lock(m_shared->mutex);
    hosts.swap(m_shared->hosts);
  }
  for (const auto& [host, at] : hosts) {
    moby::buildkit::v1::StatusResponse resp;
    auto* vertex = resp.add_vertexes();
    vertex->set_digest("kiln-auth-" + session::random_id());
    vertex->set_name("[auth] sharing credentials for " + host);
    set_time(*vertex->mutable_started(), at);
    set_time(*vertex->mutable_completed(), at);
    display.update(resp);
  }
}

} // namespace kiln::cli
