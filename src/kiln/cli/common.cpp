#include "kiln/cli/common.h"

#include <algorithm>
#include <future>
#include <iomanip>
#include <regex>
#include <sstream>

#include "kiln/engine/host.h"
#include "kiln/util/error.h"

namespace kiln::cli {

using util::quote;
using util::UserError;

std::chrono::milliseconds parse_duration(const std::string& text)
{
  // Go's time.ParseDuration: "0", or one or more of a decimal number
  // (with an optional fraction) followed by a unit.
  static const std::regex part(R"((\d*\.?\d*)(ns|us|µs|ms|s|m|h))");
  auto invalid = [&text] {
    return UserError("invalid duration " + quote(text) +
                     ": expected a number with ms, s, m or h, like 5s");
  };
  if (text == "0") {
    return std::chrono::milliseconds(0);
  }
  double total_ms = 0;
  size_t consumed = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), part);
       it != std::sregex_iterator(); ++it) {
    std::string number = (*it)[1];
    if (it->position() != static_cast<long>(consumed) || number.empty() ||
        number == ".") {
      throw invalid();
    }
    std::string unit = (*it)[2];
    double scale = unit == "ns"                   ? 1e-6
                   : unit == "us" || unit == "µs" ? 1e-3
                   : unit == "ms"                 ? 1
                   : unit == "s"                  ? 1e3
                   : unit == "m"                  ? 6e4
                                                  : 3.6e6;
    total_ms += std::stod(number) * scale;
    consumed += it->length();
  }
  // About 292 years, the most Go's duration holds.
  constexpr double k_max_ms = 9.2e15;
  if (text.empty() || consumed != text.size() || total_ms > k_max_ms) {
    throw invalid();
  }
  return std::chrono::milliseconds(static_cast<long long>(total_ms));
}

store::Store open_store()
{
  return store::Store(store::Store::default_dir());
}

Builder context_builder()
{
  engine::Host host = engine::current_host();
  Builder b;
  b.docker_context = true;
  b.group.name = host.context;
  b.group.driver = "docker";
  store::Node node;
  node.name = host.context;
  node.endpoint = host.context;
  b.group.nodes.push_back(node);
  return b;
}

std::string current_builder_name(const store::Store& store)
{
  engine::Host host = engine::current_host();
  auto name = store.current(engine::store_key(host));
  return name ? *name : host.context;
}

Builder load_builder(const store::Store& store, const std::string& name)
{
  std::string wanted = name.empty() ? current_builder_name(store) : name;
  if (auto group = store.get(wanted)) {
    Builder b;
    b.group = std::move(*group);
    b.last_activity = store.last_activity(b.group.name);
    return b;
  }
  Builder ctx = context_builder();
  if (wanted == ctx.group.name) {
    ctx.last_activity = store.last_activity(ctx.group.name);
    return ctx;
  }
  throw UserError("no builder " + quote(wanted) + " found");
}

namespace {

driver::NodeStatus query_one(const Builder& builder, const store::Node& node,
                             util::Deadline deadline)
{
  try {
    auto drv = driver::make_driver(builder.group.driver, node);
    return drv->status(deadline);
  } catch (const UserError& e) {
    return driver::inactive({util::ErrorKind::invalid, e.what()});
  }
}

} // namespace

std::vector<std::vector<NodeReport>>
query_nodes(const std::vector<Builder>& builders,
            std::chrono::milliseconds timeout)
{
  util::Deadline deadline = util::Clock::now() + timeout;
  std::vector<std::vector<std::future<driver::NodeStatus>>> futures;
  for (const auto& b : builders) {
    auto& row = futures.emplace_back();
    for (const auto& node : b.group.nodes) {
      row.push_back(std::async(std::launch::async, [&b, &node, deadline] {
        return query_one(b, node, deadline);
      }));
    }
  }

  std::vector<std::vector<NodeReport>> out;
  for (size_t i = 0; i < builders.size(); ++i) {
    auto& row = out.emplace_back();
    for (size_t j = 0; j < builders[i].group.nodes.size(); ++j) {
      row.push_back({builders[i].group.nodes[j], futures[i][j].get()});
    }
  }
  return out;
}

std::string format_platforms(const store::Node& node,
                             const std::vector<store::Platform>& found)
{
  std::vector<std::string> items;
  for (const auto& p : node.platforms) {
    items.push_back(p.str() + "*");
  }
  for (const auto& p : found) {
    bool configured = std::find(node.platforms.begin(), node.platforms.end(),
                                p) != node.platforms.end();
    std::string text = p.str();
    if (!configured &&
        std::find(items.begin(), items.end(), text) == items.end()) {
      items.push_back(text);
    }
  }
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

std::string format_round_trip(std::chrono::microseconds round_trip)
{
  if (round_trip.count() <= 0) {
    return "";
  }
  std::ostringstream text;
  text << std::fixed << std::setprecision(2)
       << static_cast<double>(round_trip.count()) / 1000.0 << "ms";
  return text.str();
}

} // namespace kiln::cli
