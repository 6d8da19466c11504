// The JSON form of a builder, as Go's encoding/json writes and reads
// Buildx's NodeGroup: struct fields in declaration order, nil slices and
// maps as null, byte slices as base64, `<>&` escaped, and field names
// matched ignoring case on read.

#include "kiln/store/node_group.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "kiln/util/base64.h"
#include "kiln/util/error.h"

namespace kiln::store {

namespace {

using Ordered = nlohmann::ordered_json;

constexpr std::array<const char*, 4> group_fields = {"Name", "Driver", "Nodes",
                                                     "Dynamic"};
constexpr std::array<const char*, 6> node_fields = {
  "Name", "Endpoint", "Platforms", "DriverOpts", "Flags", "Files"};

bool same_ignoring_case(std::string_view a, std::string_view b)
{
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

template <size_t N>
bool is_field(const std::string& key, const std::array<const char*, N>& all)
{
  for (const char* field : all) {
    if (same_ignoring_case(key, field)) {
      return true;
    }
  }
  return false;
}

// Decodes a file's base64 text; throws naming `where` when it is bad.
std::string decode_file(std::string_view text, const std::string& where)
{
  util::Base64 decoded = util::decode_base64(text);
  if (!decoded.ok()) {
    throw std::runtime_error(util::quote(where) + " is not valid base64");
  }
  return decoded.bytes;
}

[[noreturn]] void wrong_type(const std::string& where, const char* wanted,
                             const nlohmann::json& value)
{
  throw std::runtime_error(util::quote(where) + " must be " + wanted +
                           ", not " + value.type_name());
}

const nlohmann::json* member(const nlohmann::json& object, const char* key,
                             const std::string& where, const char* wanted,
                             nlohmann::json::value_t type)
{
  const nlohmann::json* found = find_member(object, key);
  if (found == nullptr || found->is_null()) {
    return nullptr;
  }
  if (found->type() != type) {
    wrong_type(where + key, wanted, *found);
  }
  return found;
}

std::string string_member(const nlohmann::json& object, const char* key,
                          const std::string& where)
{
  const nlohmann::json* found =
    member(object, key, where, "a string", nlohmann::json::value_t::string);
  return found == nullptr ? "" : found->get<std::string>();
}

// A string inside an array or map, where Go reads null as empty.
std::string string_value(const nlohmann::json& value, const std::string& where)
{
  if (value.is_null()) {
    return "";
  }
  if (!value.is_string()) {
    wrong_type(where, "a string", value);
  }
  return value.get<std::string>();
}

template <size_t N>
nlohmann::json unknown_members(const nlohmann::json& object,
                               const std::array<const char*, N>& known)
{
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : object.items()) {
    if (!is_field(key, known)) {
      out[key] = value;
    }
  }
  return out;
}

Platform decode_platform(const nlohmann::json& doc, const std::string& where)
{
  Platform out;
  if (doc.is_null()) {
    return out;
  }
  if (!doc.is_object()) {
    wrong_type(where, "an object", doc);
  }
  std::string prefix = where + ".";
  out.architecture = string_member(doc, "architecture", prefix);
  out.os = string_member(doc, "os", prefix);
  out.os_version = string_member(doc, "os.version", prefix);
  out.variant = string_member(doc, "variant", prefix);
  if (const auto* features = member(doc, "os.features", prefix, "an array",
                                    nlohmann::json::value_t::array)) {
    for (size_t i = 0; i < features->size(); ++i) {
      out.os_features.push_back(string_value(
        (*features)[i], prefix + "os.features[" + std::to_string(i) + "]"));
    }
  }
  return out;
}

Node decode_node(const nlohmann::json& doc, const std::string& where)
{
  Node out;
  if (doc.is_null()) {
    return out;
  }
  if (!doc.is_object()) {
    wrong_type(where, "an object", doc);
  }
  std::string prefix = where + ".";
  out.name = string_member(doc, "Name", prefix);
  out.endpoint = string_member(doc, "Endpoint", prefix);

  using Type = nlohmann::json::value_t;
  if (const auto* list =
        member(doc, "Platforms", prefix, "an array", Type::array)) {
    for (size_t i = 0; i < list->size(); ++i) {
      out.platforms.push_back(decode_platform(
        (*list)[i], prefix + "Platforms[" + std::to_string(i) + "]"));
    }
  }
  if (const auto* opts =
        member(doc, "DriverOpts", prefix, "an object", Type::object)) {
    for (const auto& [key, value] : opts->items()) {
      out.driver_opts[key] = string_value(value, prefix + "DriverOpts." + key);
    }
  }
  if (const auto* flags =
        member(doc, "Flags", prefix, "an array", Type::array)) {
    for (size_t i = 0; i < flags->size(); ++i) {
      out.flags.push_back(
        string_value((*flags)[i], prefix + "Flags[" + std::to_string(i) + "]"));
    }
  }
  if (const auto* files =
        member(doc, "Files", prefix, "an object", Type::object)) {
    for (const auto& [key, value] : files->items()) {
      std::string file_where = prefix + "Files." + key;
      out.files[key] = decode_file(string_value(value, file_where), file_where);
    }
  }

  out.extra = unknown_members(doc, node_fields);
  return out;
}

template <typename Json, size_t N>
void append_unknown(Ordered& out, const Json& extra,
                    const std::array<const char*, N>& known)
{
  if (!extra.is_object()) {
    return;
  }
  for (const auto& [key, value] : extra.items()) {
    if (!is_field(key, known)) {
      out[key] = value;
    }
  }
}

Ordered encode_platform(const Platform& platform)
{
  Ordered out = Ordered::object();
  out["architecture"] = platform.architecture;
  out["os"] = platform.os;
  if (!platform.os_version.empty()) {
    out["os.version"] = platform.os_version;
  }
  if (!platform.os_features.empty()) {
    out["os.features"] = platform.os_features;
  }
  if (!platform.variant.empty()) {
    out["variant"] = platform.variant;
  }
  return out;
}

Ordered encode_node(const Node& node)
{
  Ordered out = Ordered::object();
  out["Name"] = node.name;
  out["Endpoint"] = node.endpoint;

  out["Platforms"] = nullptr;
  for (const Platform& platform : node.platforms) {
    out["Platforms"].push_back(encode_platform(platform));
  }
  out["DriverOpts"] = nullptr;
  for (const auto& [key, value] : node.driver_opts) {
    out["DriverOpts"][key] = value;
  }
  out["Flags"] = nullptr;
  for (const std::string& flag : node.flags) {
    out["Flags"].push_back(flag);
  }
  out["Files"] = nullptr;
  for (const auto& [key, value] : node.files) {
    out["Files"][key] = util::encode_base64(value);
  }

  append_unknown(out, node.extra, node_fields);
  return out;
}

Ordered encode_group(const NodeGroup& group)
{
  Ordered out = Ordered::object();
  out["Name"] = group.name;
  out["Driver"] = group.driver;
  out["Nodes"] = nullptr;
  for (const Node& node : group.nodes) {
    out["Nodes"].push_back(encode_node(node));
  }
  out["Dynamic"] = group.dynamic;
  append_unknown(out, group.extra, group_fields);
  return out;
}

// Returns the length of the valid UTF-8 sequence at `pos`, or 0 when the
// byte there starts none (Go then writes U+FFFD for that one byte).
size_t utf8_length(std::string_view text, size_t pos)
{
  auto byte = [&](size_t i) {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
  };
  auto cont = [&](size_t i) { return byte(i) >= 0x80 && byte(i) <= 0xbf; };
  unsigned char c = byte(pos);
  unsigned char next = byte(pos + 1);
  if (c >= 0xc2 && c <= 0xdf) {
    return cont(pos + 1) ? 2 : 0;
  }
  if (c >= 0xe0 && c <= 0xef) {
    unsigned char low = c == 0xe0 ? 0xa0 : 0x80;
    unsigned char high = c == 0xed ? 0x9f : 0xbf;
    return next >= low && next <= high && cont(pos + 2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    unsigned char low = c == 0xf0 ? 0x90 : 0x80;
    unsigned char high = c == 0xf4 ? 0x8f : 0xbf;
    return next >= low && next <= high && cont(pos + 2) && cont(pos + 3) ? 4
                                                                         : 0;
  }
  return 0;
}

// Appends `text` as a JSON string the way Go's encoding/json writes it:
// HTML characters, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
void append_go_string(std::string& out, std::string_view text)
{
  static constexpr std::string_view hex = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\b') {
        out += "\\b";
      } else if (c == '\f') {
        out += "\\f";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }

    size_t length = utf8_length(text, i);
    std::string_view rune = text.substr(i, length);
    if (length == 0) {
      out += "\\ufffd";
      ++i;
    } else if (rune == "\u2028" || rune == "\u2029") {
      out += rune == "\u2028" ? "\\u2028" : "\\u2029";
      i += length;
    } else {
      out += rune;
      i += length;
    }
  }
  out += '"';
}

// Appends `doc` with no spaces, members in their stored order.
void append_go(std::string& out, const Ordered& doc)
{
  if (doc.is_string()) {
    append_go_string(out, doc.get_ref<const std::string&>());
  } else if (doc.is_array()) {
    out += '[';
    for (size_t i = 0; i < doc.size(); ++i) {
      out += i == 0 ? "" : ",";
      append_go(out, doc[i]);
    }
    out += ']';
  } else if (doc.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : doc.items()) {
      out += first ? "" : ",";
      first = false;
      append_go_string(out, key);
      out += ':';
      append_go(out, value);
    }
    out += '}';
  } else {
    out += doc.dump();
  }
}

} // namespace

const Node* NodeGroup::find_node(const std::string& node_name) const
{
  for (const Node& node : nodes) {
    if (node.name == node_name) {
      return &node;
    }
  }
  return nullptr;
}

const nlohmann::json* find_member(const nlohmann::json& object,
                                  const std::string& key)
{
  if (!object.is_object()) {
    return nullptr;
  }
  if (auto it = object.find(key); it != object.end()) {
    return &*it;
  }
  for (const auto& [name, value] : object.items()) {
    if (same_ignoring_case(name, key)) {
      return &value;
    }
  }
  return nullptr;
}

nlohmann::json to_json(const NodeGroup& group)
{
  return nlohmann::json(encode_group(group));
}

NodeGroup from_json(const nlohmann::json& doc)
{
  if (!doc.is_object()) {
    throw std::runtime_error(std::string("a builder must be an object, not ") +
                             doc.type_name());
  }

  NodeGroup out;
  out.name = string_member(doc, "Name", "");
  out.driver = string_member(doc, "Driver", "");
  if (const auto* nodes =
        member(doc, "Nodes", "", "an array", nlohmann::json::value_t::array)) {
    for (size_t i = 0; i < nodes->size(); ++i) {
      out.nodes.push_back(
        decode_node((*nodes)[i], "Nodes[" + std::to_string(i) + "]"));
    }
  }
  if (const auto* dynamic = member(doc, "Dynamic", "", "a boolean",
                                   nlohmann::json::value_t::boolean)) {
    out.dynamic = dynamic->get<bool>();
  }

  out.extra = unknown_members(doc, group_fields);
  return out;
}

std::string to_go_text(const nlohmann::ordered_json& doc)
{
  std::string out;
  append_go(out, doc);
  return out;
}

std::string to_store_text(const NodeGroup& group)
{
  return to_go_text(encode_group(group));
}

NodeGroup from_store_text(const std::string& text)
{
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    std::string message = e.what();
    size_t tag_end = message.find("] ");
    throw std::runtime_error(
      tag_end == std::string::npos ? message : message.substr(tag_end + 2));
  }
  return from_json(doc);
}

} // namespace kiln::store
