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
  /// The OS version, as in `windows(10.0.17763)/amd64`; usually empty.
  std::string os_version;
  /// Required OS features, as in `windows(+win32k)/amd64`; usually empty.
  std::vector<std::string> os_features;

  /// Returns the `os/arch[/variant]` form.
  [[nodiscard]] std::string str() const;

  bool operator==(const Platform&) const = default;
};

/// Parses `os/arch[/variant]` (also `arch` alone, meaning linux); throws
/// `util::UserError` naming `text` when it is not a platform.
Platform parse_platform(const std::string& text);

/// Parses each of `texts`, each possibly a comma-separated list, the way
/// `--platform` flags are read; throws like `parse_platform`.
std::vector<Platform> parse_platforms(const std::vector<std::string>& texts);

/// Returns the platform kiln itself runs on (`local` in a flag).
Platform host_platform();

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
/// wrong when the document is not a builder. Field names match as in Go:
/// exactly, else ignoring case.
NodeGroup from_json(const nlohmann::json& doc);

/// Returns the bytes Buildx writes for `group`: Go's field order and
/// escaping, no trailing newline, with the `extra` members last.
std::string to_store_text(const NodeGroup& group);

/// Parses the text of a builder file; throws `std::runtime_error` saying
/// what is wrong when it is not JSON or not a builder.
NodeGroup from_store_text(const std::string& text);

/// Returns `doc` as Go's encoding/json writes it: no spaces, members in
/// the order given, `<`, `>`, `&`, U+2028 and U+2029 escaped, and each
/// byte of invalid UTF-8 written as `\ufffd`.
std::string to_go_text(const nlohmann::ordered_json& doc);

/// Returns the member of JSON object `object` that Go's encoding/json
/// would take for field `key` (same name, else same name ignoring case),
/// or null.
const nlohmann::json* find_member(const nlohmann::json& object,
                                  const std::string& key);

} // namespace kiln::store
