#include "kiln/cli/build_options.h"

#include <cstdlib>

#include <sys/stat.h>
#include <unistd.h>

#include "kiln/util/error.h"
#include "kiln/util/strings.h"

namespace kiln::cli {

namespace {

namespace fs = std::filesystem;
using util::quote;
using util::UserError;

// Checks an output's destination against the file system, as Buildx
// does before it starts.
void check_output(OutputSpec& out)
{
  struct stat st {};
  bool exists = ::stat(out.dest.c_str(), &st) == 0;
  if (out.is_dir()) {
    if (out.dest.empty()) {
      throw UserError("dest is required for " + out.type + " exporter");
    }
    if (out.dest == "-") {
      throw UserError("dest cannot be stdout for " + out.type + " exporter");
    }
    if (exists && !S_ISDIR(st.st_mode)) {
      throw UserError("destination directory " + out.dest + " is a file");
    }
    return;
  }
  if (!out.is_stream()) {
    if (out.type != "image" && out.type != "registry") {
      throw UserError("output type " + quote(out.type) +
                      " is not supported by kiln yet");
    }
    if (out.type == "registry") {
      out.type = "image";
      out.attrs["push"] = "true";
      out.attrs.try_emplace("unpack", "false");
    }
    return;
  }
  if (out.dest.empty() && out.type != "docker") {
    out.dest = "-";
  }
  if (out.dest == "-") {
    if (::isatty(STDOUT_FILENO) != 0) {
      throw UserError("dest file is required for " + out.type +
                      " exporter. refusing to write to console");
    }
    return;
  }
  if (exists && S_ISDIR(st.st_mode)) {
    throw UserError("destination file " + out.dest + " is a directory");
  }
}

} // namespace

OutputSpec parse_output(const std::string& text)
{
  std::vector<std::string> fields = util::split_csv(text);
  OutputSpec out;
  if (fields.size() == 1 && fields.front() == text &&
      !text.starts_with("type=")) {
    out.type = text == "-" ? "tar" : "local";
    out.dest = text;
    return out;
  }
  for (const auto& field : fields) {
    auto eq = field.find('=');
    if (eq == std::string::npos) {
      throw UserError("invalid value " + field);
    }
    std::string key = util::to_lower(util::trim(field.substr(0, eq)));
    std::string value = field.substr(eq + 1);
    if (key == "type") {
      out.type = value;
    } else if (key == "dest") {
      out.dest = value;
    } else {
      out.attrs[key] = value;
    }
  }
  if (out.type.empty()) {
    throw UserError("type is required for output");
  }
  return out;
}

BuildPlan plan_build(const BuildFlags& flags, bool default_load)
{
  BuildPlan plan;
  struct stat st {};
  if (flags.context.empty() || ::stat(flags.context.c_str(), &st) != 0 ||
      !S_ISDIR(st.st_mode)) {
    throw UserError("unable to prepare context: path " + quote(flags.context) +
                    " not found");
  }
  plan.context_dir = fs::absolute(flags.context).lexically_normal();

  fs::path dockerfile = flags.file.empty()
                          ? plan.context_dir / "Dockerfile"
                          : fs::absolute(flags.file).lexically_normal();
  if (flags.file == "-") {
    throw UserError("reading the Dockerfile from stdin is not supported "
                    "by kiln yet");
  }
  if (::stat(dockerfile.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) {
    throw UserError("unable to prepare context: Dockerfile " +
                    quote(dockerfile.string()) + " not found");
  }
  plan.dockerfile_dir = dockerfile.parent_path();

  auto& attrs = plan.frontend_attrs;
  attrs["filename"] = dockerfile.filename().string();
  if (!flags.target.empty()) {
    attrs["target"] = flags.target;
  }
  if (flags.no_cache) {
    attrs["no-cache"] = "";
  }
  for (const auto& arg : flags.build_args) {
    auto eq = arg.find('=');
    if (eq != std::string::npos) {
      attrs["build-arg:" + arg.substr(0, eq)] = arg.substr(eq + 1);
    } else if (const char* env = std::getenv(arg.c_str())) {
      // A bare name takes its value from the environment, if any.
      attrs["build-arg:" + arg] = env;
    }
  }

  if (flags.network == "host" || flags.network == "none") {
    attrs["force-network-mode"] = flags.network;
    if (flags.network == "host") {
      plan.entitlements.emplace_back("network.host");
    }
  } else if (!flags.network.empty() && flags.network != "default") {
    throw UserError("network mode " + quote(flags.network) +
                    " not supported by buildkit - you can define a custom "
                    "network for your builder using the network driver-opt "
                    "in buildx create");
  }

  for (const auto& text : flags.outputs) {
    plan.outputs.push_back(parse_output(text));
  }
  if (flags.load || (plan.outputs.empty() && default_load)) {
    plan.outputs.push_back(OutputSpec{"docker", "", {}});
  }
  std::string names;
  for (const auto& tag : flags.tags) {
    names += (names.empty() ? "" : ",") + tag;
  }
  int to_stdout = 0;
  for (auto& out : plan.outputs) {
    check_output(out);
    if (!flags.iidfile.empty() && (out.type == "local" || out.type == "tar")) {
      throw UserError("local and tar exporters are incompatible with image "
                      "ID file");
    }
    to_stdout += out.dest == "-" ? 1 : 0;
    if (!names.empty() &&
        (out.type == "docker" || out.type == "image" || out.type == "oci")) {
      out.attrs.try_emplace("name", names);
    }
  }
  if (to_stdout > 1) {
    throw UserError("multiple outputs configured to write to stdout");
  }
  return plan;
}

} // namespace kiln::cli
