#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln::store {

/// An OCI platform as stored for a node (`os/arch[/variant]`).
struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;

  /// Returns the `os/arch[/variant]` form.
  [[nodiscard]] std::string str() const;

  bool operator==(const Platform&) const = default;
};

/// Parses `os/arch[/variant]` (also `arch` alone, meaning linux); throws
/// `util::UserError` naming `text` when it is not a platform.
Platform parse_platform(const std::string& text);

/// One node of a builder: where its BuildKit is and how to reach it.
struct Node {
  std::string name;
  std::string endpoint;
  std::vector<Platform> platforms;
  std::map<std::string, std::string> driver_opts;
  std::vector<std::string> flags;
  /// Extra files (name → contents), kept as the store has them.
  std::map<std::string, std::string> files;
  /// Fields of the stored JSON that kiln does not know, kept on rewrite.
  nlohmann::json extra = nlohmann::json::object();
};

/// A builder: a named group of nodes served by one driver.
struct NodeGroup {
  std::string name;
  std::string driver;
  std::vector<Node> nodes;
  bool dynamic = false;
  nlohmann::json extra = nlohmann::json::object();

  /// Returns the node called `name`, or null.
  [[nodiscard]] const Node* find_node(const std::string& node_name) const;
};

/// Encodes `group` as the store's JSON (Buildx's field names and forms).
nlohmann::json to_json(const NodeGroup& group);

/// Decodes the store's JSON; throws `std::runtime_error` saying what is
/// wrong when the document is not a builder.
NodeGroup from_json(const nlohmann::json& doc);

} // namespace kiln::store
