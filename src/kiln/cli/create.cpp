// `create`: add a builder, or a node to one (`--append`), or take a node
// out (`--leave`). Everything is checked before the store is written.
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "kiln/cli/bootstrap.h"
#include "kiln/cli/commands.h"
#include "kiln/engine/host.h"
#include "kiln/util/error.h"
#include "kiln/util/strings.h"

namespace kiln::cli {

namespace {

using util::quote;
using util::UserError;

struct CreateOptions {
  std::string name;
  std::string driver;
  std::string node;
  std::vector<std::string> platforms;
  std::vector<std::string> driver_opts;
  std::string buildkitd_flags;
  std::string buildkitd_config;
  bool append = false;
  bool leave = false;
  bool use = false;
  bool bootstrap = false;
  std::string timeout = "20s";
  std::string endpoint;
};

std::map<std::string, std::string>
parse_driver_opts(const std::vector<std::string>& raw)
{
  std::map<std::string, std::string> out;
  for (const auto& item : raw) {
    for (const auto& field : util::split_csv(item)) {
      size_t eq = field.find('=');
      if (eq == std::string::npos) {
        throw UserError("invalid value " + quote(field) + ", expecting k=v");
      }
      out[field.substr(0, eq)] = field.substr(eq + 1);
    }
  }
  return out;
}

std::vector<store::Platform>
parse_platforms(const std::vector<std::string>& raw)
{
  std::vector<store::Platform> out;
  for (const auto& item : raw) {
    for (const auto& field : util::split_csv(item)) {
      if (field.empty()) {
        continue;
      }
      store::Platform p = store::parse_platform(field);
      if (std::find(out.begin(), out.end(), p) == out.end()) {
        out.push_back(p);
      }
    }
  }
  return out;
}

// Returns the first free `<name><digit…>` node name, in lowercase as
// nodes are filed (Buildx would reuse `mybuilder0` for `MyBuilder`).
std::string next_node_name(const store::NodeGroup& group)
{
  std::string base = store::normalize_name(group.name);
  for (int i = 0;; ++i) {
    std::string name = base + std::to_string(i);
    if (group.find_node(name) == nullptr) {
      return name;
    }
  }
}

void run_leave(const CreateOptions& opts)
{
  if (opts.name.empty()) {
    throw UserError("leave requires instance name");
  }
  if (opts.node.empty()) {
    throw UserError("leave requires node name");
  }
  store::Store store = open_store();
  auto lock = store.lock();
  auto group = store.get(opts.name);
  if (!group) {
    throw UserError("failed to find instance " + quote(opts.name) +
                    " for leave");
  }
  auto& nodes = group->nodes;
  auto it = std::find_if(nodes.begin(), nodes.end(),
                         [&](const auto& n) { return n.name == opts.node; });
  if (it == nodes.end()) {
    throw UserError("node " + quote(opts.node) + " not found for " + opts.name);
  }
  if (nodes.size() == 1) {
    throw UserError("can not leave last node, do you want to rm instance "
                    "instead?");
  }
  nodes.erase(it);
  store.save(*group);
}

// Applies the options to `group` (new or stored), as Buildx's rules say.
void update_group(store::NodeGroup& group, const CreateOptions& opts,
                  const std::string& endpoint)
{
  auto platforms = parse_platforms(opts.platforms);
  auto driver_opts = parse_driver_opts(opts.driver_opts);

  store::Node* node = nullptr;
  for (auto& n : group.nodes) {
    if (!opts.node.empty() && n.name == opts.node) {
      node = &n;
    }
  }
  if (node != nullptr) {
    node->endpoint = endpoint;
    if (!platforms.empty()) {
      node->platforms = platforms;
    }
    if (!opts.driver_opts.empty()) {
      node->driver_opts = driver_opts;
    }
  } else {
    if (!opts.append && !group.nodes.empty()) {
      throw UserError("node " + quote(opts.node) +
                      " not found, did you mean to append?");
    }
    store::Node fresh;
    // Buildx files a new node under its lowercase name, as it files
    // builders.
    fresh.name = store::normalize_name(opts.node.empty() ? next_node_name(group)
                                                         : opts.node);
    fresh.endpoint = endpoint;
    fresh.platforms = platforms;
    fresh.driver_opts = driver_opts;
    group.nodes.push_back(std::move(fresh));
    node = &group.nodes.back();
  }

  int same = 0;
  for (const auto& n : group.nodes) {
    same += n.endpoint == endpoint ? 1 : 0;
  }
  if (same > 1) {
    throw UserError("invalid duplicate endpoint " + quote(endpoint));
  }
  driver::validate(group.driver, *node);

  // A platform pinned to this node is taken off the others, as Buildx
  // does, so that each platform is served by one node.
  for (auto& other : group.nodes) {
    if (&other == node) {
      continue;
    }
    std::erase_if(other.platforms, [&](const store::Platform& p) {
      return std::any_of(
        node->platforms.begin(), node->platforms.end(),
        [&](const store::Platform& mine) { return mine.str() == p.str(); });
    });
  }
}

void run_create(const CreateOptions& opts)
{
  if (opts.leave) {
    run_leave(opts);
    return;
  }
  if (opts.name == "default") {
    throw UserError("default is a reserved name and cannot be used to "
                    "identify builder instance");
  }
  if (opts.append && opts.name.empty()) {
    throw UserError("append requires a builder name");
  }
  if (!opts.buildkitd_flags.empty()) {
    throw UserError("setting buildkit flags is not supported for remote "
                    "driver");
  }
  if (!opts.buildkitd_config.empty()) {
    throw UserError("setting config file is not supported for remote "
                    "driver");
  }
  auto timeout = parse_duration(opts.timeout);

  std::string endpoint = opts.endpoint;
  const char* buildkit_host = std::getenv("BUILDKIT_HOST");
  if (endpoint.empty() && buildkit_host != nullptr) {
    endpoint = buildkit_host;
  }
  std::string driver_name = opts.driver.empty() ? "remote" : opts.driver;
  if (endpoint.empty()) {
    throw UserError("no remote endpoint provided");
  }
  if (!opts.name.empty()) {
    store::validate_name(opts.name);
  }
  engine::Host host = engine::current_host();

  store::Store store = open_store();
  Builder created;
  {
    auto lock = store.lock();
    std::string name =
      opts.name.empty() ? store::generate_name(store) : opts.name;
    if (!opts.append && name == host.context) {
      throw UserError("instance name " + quote(name) +
                      " already exists as context builder");
    }
    auto group = store.get(name);
    if (!group && opts.append) {
      throw UserError("failed to find instance " + quote(name) + " for append");
    }
    if (group && opts.node.empty() && !opts.append) {
      throw UserError("existing instance for " + quote(name) +
                      " but no append mode, specify the node name to make "
                      "changes for existing instances");
    }
    if (group && !opts.driver.empty() && group->driver != opts.driver) {
      throw UserError("existing instance for " + quote(name) +
                      " but has mismatched driver " + quote(group->driver));
    }
    if (!group) {
      group.emplace();
      group->name = name;
      group->driver = driver_name;
    }

    update_group(*group, opts, endpoint);
    store.save(*group);
    if (opts.use) {
      store.set_current(engine::store_key(host), group->name, false, false);
    }
    created.group = std::move(*group);
  }

  if (opts.bootstrap) {
    bootstrap(created, timeout);
  }
  std::cout << created.group.name << '\n';
}

} // namespace

void add_create(CLI::App& app, const Globals& globals)
{
  (void)globals;
  auto o = std::make_shared<CreateOptions>();
  auto* cmd = app.add_subcommand("create", "Create a new builder instance");
  cmd->add_option("endpoint", o->endpoint,
                  "BuildKit endpoint (unix://, tcp://, docker-container://, "
                  "kube-pod://, ssh://)");
  cmd->add_option("--name", o->name, "Builder instance name");
  cmd->add_option("--driver", o->driver, "Driver to use (available: remote)");
  cmd->add_option("--node", o->node, "Create/modify node with given name");
  cmd
    ->add_option("--platform", o->platforms, "Fixed platforms for current node")
    ->allow_extra_args(false);
  cmd->add_option("--driver-opt", o->driver_opts, "Options for the driver")
    ->allow_extra_args(false);
  cmd->add_option("--buildkitd-flags", o->buildkitd_flags,
                  "BuildKit daemon flags (not for remote builders)");
  cmd->add_option("--buildkitd-config,--config", o->buildkitd_config,
                  "BuildKit daemon config file (not for remote builders)");
  cmd->add_flag("--append", o->append,
                "Append a node to builder instead of changing it");
  cmd->add_flag("--leave", o->leave,
                "Remove a node from builder instead of changing it");
  cmd->add_flag("--use", o->use, "Set the current builder instance");
  cmd->add_flag("--bootstrap", o->bootstrap, "Boot builder after creation");
  cmd->add_option("--timeout", o->timeout,
                  "Time to wait for the builder with --bootstrap");
  cmd->callback([o] { run_create(*o); });
}

} // namespace kiln::cli
