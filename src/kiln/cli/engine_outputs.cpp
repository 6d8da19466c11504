#include "kiln/cli/engine_outputs.h"

#include <chrono>

#include "kiln/engine/host.h"
#include "kiln/engine/push.h"
#include "kiln/util/error.h"
#include "kiln/util/strings.h"

namespace kiln::cli {

namespace {

using util::UserError;

// The exporter of the Engine's image store.
constexpr const char* k_engine_exporter = "moby";

// Buildx's refusal of a feature that the docker driver has only with the
// containerd image store.
UserError not_supported(const std::string& feature, const std::string& docs)
{
  return UserError(feature +
                   " is not supported for the docker driver.\n"
                   "Switch to a different driver, or turn on the containerd "
                   "image store, and try again.\n"
                   "Learn more at " +
                   docs);
}

double seconds_now()
{
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(since).count();
}

bool is_true(const std::map<std::string, std::string>& attrs,
             const std::string& key)
{
  auto it = attrs.find(key);
  return it != attrs.end() && (it->second == "true" || it->second == "1");
}

} // namespace

std::vector<std::string>
adapt_for_engine(BuildPlan& plan, const driver::EngineFeatures& features)
{
  std::vector<std::string> pushes;
  auto platform = plan.frontend_attrs.find("platform");
  if (platform != plan.frontend_attrs.end() &&
      platform->second.find(',') != std::string::npos &&
      !features.containerd_store) {
    throw not_supported("Multi-platform build",
                        "https://docs.docker.com/go/build-multi-platform/");
  }
  const std::string exporters_docs =
    "https://docs.docker.com/go/build-exporters/";
  for (auto& out : plan.outputs) {
    if (out.type == "oci" && !features.containerd_store) {
      throw not_supported("OCI exporter", exporters_docs);
    }
    if (out.type == "docker" && !out.dest.empty()) {
      if (!features.containerd_store) {
        throw not_supported("Docker exporter", exporters_docs);
      }
      continue;
    }
    if (out.type != "docker" && out.type != "image") {
      continue;
    }

    // An image for the Engine itself: no tarball to load, the Engine's
    // exporter stores it.
    out.type = k_engine_exporter;
    if (features.containerd_store) {
      // The containerd image store finds images by manifest digest.
      out.attrs["prefer-image-digest"] = "true";
    }
    if (is_true(out.attrs, "push") && is_true(out.attrs, "push-by-digest")) {
      throw UserError("push-by-digest is currently not implemented for "
                      "docker driver, please create a new builder instance");
    }
    if (is_true(out.attrs, "push") && !features.containerd_store) {
      // This exporter cannot push: the Engine pushes once it has the
      // image, as Buildx has it do.
      auto name = out.attrs.find("name");
      if (name == out.attrs.end() || name->second.empty()) {
        throw UserError("tag is needed when pushing to registry");
      }
      for (const auto& each : util::split_csv(name->second)) {
        pushes.push_back(each);
      }
      out.attrs.erase("push");
    }
  }

  // The Engine's own images are what `FROM` names first.
  plan.frontend_attrs["image-resolve-mode"] = "local";
  return pushes;
}

util::Result<util::Unit> push_with_engine(const std::vector<std::string>& names,
                                          session::CredentialStore& credentials,
                                          progress::Display& display)
{
  engine::Host host = engine::current_host();
  for (const auto& name : names) {
    std::string registry = engine::registry_of(name);
    auto login = credentials.lookup(registry);
    if (!login) {
      return util::Error{login.error().kind, "failed to push " + name + ": " +
                                               login.error().message};
    }
    double started = seconds_now();
    auto pushed = engine::push_image(
      host, name,
      engine::registry_auth(login->username, login->secret, registry));
    display.local_step("pushing " + name + " with docker", started,
                       seconds_now());
    if (!pushed) {
      return util::Error{pushed.error().kind, "failed to push " + name + ": " +
                                                pushed.error().message};
    }
  }
  return util::Unit{};
}

} // namespace kiln::cli
