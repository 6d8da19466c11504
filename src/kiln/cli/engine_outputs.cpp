#include "kiln/cli/engine_outputs.h"

#include "kiln/util/error.h"

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

bool is_true(const std::map<std::string, std::string>& attrs,
             const std::string& key)
{
  auto it = attrs.find(key);
  return it != attrs.end() && (it->second == "true" || it->second == "1");
}

} // namespace

void adapt_for_engine(BuildPlan& plan, const driver::EngineFeatures& features)
{
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
      // TODO: push through the Engine's `POST /images/{name}/push`, as
      // Buildx does when the Engine's exporter cannot push.
      throw UserError("pushing from the docker driver without the containerd "
                      "image store is not supported by kiln yet; run "
                      "`docker push` after the build");
    }
  }

  // The Engine's own images are what `FROM` names first.
  plan.frontend_attrs["image-resolve-mode"] = "local";
}

} // namespace kiln::cli
