#include "kiln/cli/build_options.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <sys/stat.h>
#include <unistd.h>

#include "kiln/cli/build_context.h"
#include "kiln/cli/build_values.h"
#include "kiln/store/node_group.h"
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

// Returns whether `text` is true as Go's strconv.ParseBool reads it.
bool is_true(const std::string& text)
{
  return text == "1" || text == "t" || text == "T" || text == "true" ||
         text == "TRUE" || text == "True";
}

// Adds the outputs `--push` and `--load` stand for, unless an output
// already does their job, as Buildx does.
void add_push_and_load(const BuildFlags& flags, std::vector<OutputSpec>& outs)
{
  if (flags.push) {
    bool used = false;
    for (auto& out : outs) {
      if (out.type == "image" || out.type == "registry") {
        out.attrs["push"] = "true";
        out.attrs.try_emplace("unpack", "false");
        used = true;
      }
    }
    if (!used) {
      outs.push_back(
        OutputSpec{"image", "", {{"push", "true"}, {"unpack", "false"}}});
    }
  }
  if (flags.load) {
    bool used = std::any_of(outs.begin(), outs.end(), [](const auto& out) {
      return out.type == "docker" && out.dest.empty();
    });
    if (!used) {
      outs.push_back(OutputSpec{"docker", "", {}});
    }
  }
}

// Sets the frontend attributes for platforms and RUN steps: network,
// extra hosts, /dev/shm size and ulimits.
void add_run_settings(const BuildFlags& flags,
                      const std::vector<store::Platform>& platforms,
                      BuildPlan& plan)
{
  auto& attrs = plan.frontend_attrs;
  if (!platforms.empty()) {
    std::vector<std::string> names;
    for (const auto& p : platforms) {
      names.push_back(p.str());
    }
    attrs["platform"] = util::join(names, ",");
  }
  std::string network = network_mode(flags.network);
  if (!network.empty()) {
    attrs["force-network-mode"] = network;
  }
  if (network == "host") {
    plan.entitlements.emplace_back("network.host");
  }
  if (std::string hosts = parse_add_hosts(flags.add_hosts); !hosts.empty()) {
    attrs["add-hosts"] = hosts;
  }
  if (!flags.shm_size.empty()) {
    std::int64_t size = 0;
    try {
      size = parse_ram_bytes(flags.shm_size);
    } catch (const std::invalid_argument& e) {
      throw UserError("invalid argument " + quote(flags.shm_size) +
                      " for \"--shm-size\" flag: " + e.what());
    }
    if (size > 0) {
      attrs["shm-size"] = std::to_string(size);
    }
  }
  if (std::string limits = parse_ulimits(flags.ulimits); !limits.empty()) {
    attrs["ulimit"] = limits;
  }
}

// Checks every output and gives image outputs the tags as names.
void check_outputs(const BuildFlags& flags, std::size_t platform_count,
                   std::vector<OutputSpec>& outputs)
{
  std::string names = util::join(flags.tags, ",");
  int to_stdout = 0;
  for (auto& out : outputs) {
    check_output(out);
    if (!flags.iidfile.empty() && (out.type == "local" || out.type == "tar")) {
      throw UserError("local and tar exporters are incompatible with image "
                      "ID file");
    }
    if (out.type == "docker" && platform_count > 1) {
      throw UserError(
        out.dest.empty()
          ? "docker exporter does not currently support exporting manifest "
            "lists"
          : "docker exporter does not support exporting manifest lists, use "
            "the oci exporter instead");
    }
    to_stdout += out.dest == "-" ? 1 : 0;
    if (!names.empty() &&
        (out.type == "docker" || out.type == "image" || out.type == "oci")) {
      out.attrs["name"] = names;
    }
    auto name = out.attrs.find("name");
    auto push = out.attrs.find("push");
    if (names.empty() && out.type == "image" &&
        (name == out.attrs.end() || name->second.empty()) &&
        push != out.attrs.end() && is_true(push->second)) {
      throw UserError("tag is needed when pushing to registry");
    }
  }
  if (to_stdout > 1) {
    throw UserError("multiple outputs configured to write to stdout");
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

BuildPlan plan_build(const BuildFlags& flags, bool default_load, int stdin_fd)
{
  BuildPlan plan;
  std::map<std::string, std::string> labels = parse_labels(flags.labels);
  for (const auto& text : flags.outputs) {
    plan.outputs.push_back(parse_output(text));
  }
  std::vector<store::Platform> platforms =
    store::parse_platforms(flags.platforms);
  add_push_and_load(flags, plan.outputs);
  if (plan.outputs.empty() && default_load) {
    plan.outputs.push_back(OutputSpec{"docker", "", {}});
  }

  resolve_context(flags, plan, stdin_fd);
  auto& attrs = plan.frontend_attrs;
  for (const auto& arg : flags.build_args) {
    auto eq = arg.find('=');
    if (eq != std::string::npos) {
      attrs["build-arg:" + arg.substr(0, eq)] = arg.substr(eq + 1);
    } else if (const char* env = std::getenv(arg.c_str())) {
      // A bare name takes its value from the environment, if any.
      attrs["build-arg:" + arg] = env;
    }
  }
  for (const auto& [key, value] : labels) {
    attrs["label:" + key] = value;
  }
  if (flags.pull) {
    attrs["image-resolve-mode"] = "pull";
  }
  if (!flags.target.empty()) {
    attrs["target"] = flags.target;
  }
  if (flags.no_cache) {
    attrs["no-cache"] = "";
  }
  add_run_settings(flags, platforms, plan);

  check_outputs(flags, platforms.size(), plan.outputs);
  return plan;
}

} // namespace kiln::cli
