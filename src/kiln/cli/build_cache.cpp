// The cache flags of `build`: Buildx's parsing, then the client-side
// checks BuildKit's client makes before a solve (local folders, refs).
#include "kiln/cli/build_cache.h"

#include <cerrno>
#include <fstream>
#include <iostream>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln/util/error.h"
#include "kiln/util/fd.h"
#include "kiln/util/fs.h"
#include "kiln/util/strings.h"

namespace kiln::cli {

namespace {

namespace fs = std::filesystem;
using util::UserError;

// Buildx reports the checks BuildKit's client makes as a failed build.
constexpr const char* k_failed = "failed to build: ";
constexpr const char* k_ref_name = "org.opencontainers.image.ref.name";
constexpr const char* k_index_media_type =
  "application/vnd.oci.image.index.v1+json";

// Parses a boolean the way Go's strconv.ParseBool does.
std::optional<bool> parse_go_bool(const std::string& text)
{
  if (text == "1" || text == "t" || text == "T" || text == "true" ||
      text == "TRUE" || text == "True") {
    return true;
  }
  if (text == "0" || text == "f" || text == "F" || text == "false" ||
      text == "FALSE" || text == "False") {
    return false;
  }
  return std::nullopt;
}

// Parses one `type=T,key=value` entry, or a bare reference.
CacheEntry parse_entry(const std::string& text)
{
  std::vector<std::string> fields = util::split_csv(text);
  if (fields.size() == 1 && fields.front().find('=') == std::string::npos) {
    return CacheEntry{"registry", {{"ref", fields.front()}}};
  }
  CacheEntry entry;
  for (const auto& field : fields) {
    auto eq = field.find('=');
    if (eq == std::string::npos) {
      throw UserError("invalid value " + field);
    }
    std::string key = util::to_lower(field.substr(0, eq));
    std::string value = field.substr(eq + 1);
    if (key == "type") {
      entry.type = value;
    } else {
      entry.attrs[key] = value;
    }
  }
  if (entry.type.empty()) {
    throw UserError("type required for " + util::quote(text));
  }
  return entry;
}

std::string attr(const CacheEntry& entry, const std::string& key)
{
  auto it = entry.attrs.find(key);
  return it == entry.attrs.end() ? "" : it->second;
}

// Returns the descriptor tagged `tag` in the folder's index.json, or
// why there is none, in BuildKit's client's words.
std::optional<nlohmann::json>
find_tagged(const fs::path& dir, const std::string& tag, std::string& why)
{
  fs::path index = dir / "index.json";
  auto text = util::read_file(index);
  if (!text) {
    why = "could not read " + index.string() + ": open " + index.string() +
          ": no such file or directory";
    return std::nullopt;
  }
  nlohmann::json parsed = nlohmann::json::parse(*text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    why = "could not unmarshal " + index.string();
    return std::nullopt;
  }
  for (const char* key : {"io.containerd.image.name", k_ref_name}) {
    for (const auto& m : parsed.value("manifests", nlohmann::json::array())) {
      const auto& notes = m.value("annotations", nlohmann::json::object());
      if (notes.value(key, std::string()) == tag) {
        return m;
      }
    }
  }
  why = "no digest found for tag " + tag;
  return std::nullopt;
}

// Decides whether a local import is usable, filling in its digest.
bool check_local_import(CacheEntry& im, std::vector<std::string>& warnings)
{
  std::string dir = attr(im, "src");
  std::string prefix = "local cache import at " + dir + " ";
  std::error_code ec;
  // BuildKit's client opens (and so creates) the folder first.
  fs::create_directories(dir, ec);
  if (ec) {
    warnings.push_back(prefix + "not found due to err: mkdir " + dir + ": " +
                       ec.message());
    return false;
  }
  std::string digest = attr(im, "digest");
  if (digest.empty()) {
    std::string tag = im.attrs.contains("tag") ? attr(im, "tag") : "latest";
    if (tag.empty()) {
      throw UserError(std::string(k_failed) +
                      "local cache importer requires either explicit "
                      "digest, \"latest\" tag or custom tag on index.json");
    }
    std::string why;
    auto desc = find_tagged(dir, tag, why);
    if (!desc) {
      bool no_tag = why.starts_with("no digest");
      warnings.push_back(prefix +
                         (no_tag ? "skipped: "
                                 : "skipped due to "
                                   "err: ") +
                         why);
      return false;
    }
    digest = desc->value("digest", std::string());
    im.attrs["digest"] = digest;
  }
  std::string hex = digest.starts_with("sha256:") ? digest.substr(7) : "";
  if (hex.empty() || !fs::exists(fs::path(dir) / "blobs" / "sha256" / hex)) {
    warnings.push_back(prefix + "skipped: digest " + digest +
                       " unavailable: content " + digest + ": not found");
    return false;
  }
  return true;
}

} // namespace

void add_cache_flags(CLI::App& cmd, CacheFlags& flags)
{
  cmd
    .add_option("--cache-from", flags.from,
                "External cache sources (e.g., \"user/app:cache\", "
                "\"type=local,src=path/to/dir\")")
    ->allow_extra_args(false);
  cmd
    .add_option("--cache-to", flags.to,
                "Cache export destinations (e.g., \"user/app:cache\", "
                "\"type=local,dest=path/to/dir\")")
    ->allow_extra_args(false);
}

std::vector<CacheEntry>
parse_cache_entries(const std::vector<std::string>& values)
{
  std::vector<CacheEntry> out;
  for (const auto& value : values) {
    if (value.empty()) {
      continue;
    }
    if (value.find('=') != std::string::npos) {
      out.push_back(parse_entry(value));
      continue;
    }
    // Bare references: each comma-separated one is an entry.
    for (const auto& ref : util::split_csv(value)) {
      out.push_back(parse_entry(ref));
    }
  }
  return out;
}

CachePlan plan_cache(const CacheFlags& flags,
                     const std::map<std::string, std::string>& frontend_attrs)
{
  CachePlan plan;
  plan.exports = parse_cache_entries(flags.to);
  std::vector<CacheEntry> imports = parse_cache_entries(flags.from);
  if (auto it = frontend_attrs.find("build-arg:BUILDKIT_INLINE_CACHE");
      it != frontend_attrs.end() && parse_go_bool(it->second).value_or(false)) {
    plan.exports.push_back(CacheEntry{"inline", {}});
  }

  for (const auto& ex : plan.exports) {
    if (ex.type == "local") {
      std::string dir = attr(ex, "dest");
      if (dir.empty()) {
        throw UserError(k_failed +
                        std::string("local cache exporter requires dest"));
      }
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) {
        throw UserError(k_failed + std::string("mkdir ") + dir + ": " +
                        ec.message());
      }
      plan.stores["local:" + dir] = dir;
      plan.to_tag[dir] =
        ex.attrs.contains("tag") ? attr(ex, "tag") : std::string("latest");
    }
    if (ex.type == "registry" && attr(ex, "ref").empty()) {
      throw UserError(k_failed +
                      std::string("registry cache exporter requires ref"));
    }
  }
  for (auto& im : imports) {
    if (im.type == "local") {
      if (attr(im, "src").empty()) {
        throw UserError(k_failed +
                        std::string("local cache importer requires src"));
      }
      if (!check_local_import(im, plan.warnings)) {
        continue;
      }
      plan.stores["local:" + attr(im, "src")] = attr(im, "src");
    }
    if (im.type == "registry" && attr(im, "ref").empty()) {
      throw UserError(k_failed +
                      std::string("registry cache importer requires ref"));
    }
    plan.imports.push_back(std::move(im));
  }
  return plan;
}

std::string cache_imports_attr(const std::vector<CacheEntry>& imports)
{
  if (imports.empty()) {
    return "";
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& im : imports) {
    nlohmann::ordered_json entry = {{"Type", im.type}};
    if (!im.attrs.empty()) {
      entry["Attrs"] = im.attrs;
    }
    out.push_back(std::move(entry));
  }
  return out.dump();
}

void tag_local_caches(const CachePlan& plan, const std::string& descriptor_json)
{
  if (descriptor_json.empty() || plan.to_tag.empty()) {
    return;
  }
  nlohmann::ordered_json desc =
    nlohmann::ordered_json::parse(descriptor_json, nullptr, false);
  if (desc.is_discarded() || !desc.is_object()) {
    throw UserError("invalid cache manifest descriptor " +
                    util::quote(descriptor_json));
  }
  for (const auto& [dir, tag] : plan.to_tag) {
    // Another client updating the same folder waits for the lock.
    fs::path lock_path = dir / "index.json.lock";
    util::Fd lock(
      ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644));
    if (!lock || ::flock(lock.get(), LOCK_EX) != 0) {
      throw util::FileError("lock", lock_path, errno);
    }
    util::write_file_atomic(dir / "oci-layout",
                            R"({"imageLayoutVersion":"1.0.0"})", 0644);

    fs::path index_path = dir / "index.json";
    nlohmann::ordered_json index = nlohmann::ordered_json::object();
    if (auto text = util::read_file(index_path); text && !text->empty()) {
      index = nlohmann::ordered_json::parse(*text, nullptr, false);
      if (index.is_discarded() || !index.is_object()) {
        throw UserError("could not unmarshal " + index_path.string());
      }
    }
    if (!index.contains("schemaVersion")) {
      index["schemaVersion"] = 2;
    }
    if (!index.contains("mediaType")) {
      index["mediaType"] = k_index_media_type;
    }
    // The new manifest replaces any other with the same tag.
    nlohmann::ordered_json kept = nlohmann::ordered_json::array();
    for (const auto& m :
         index.value("manifests", nlohmann::ordered_json::array())) {
      const auto& notes =
        m.value("annotations", nlohmann::ordered_json::object());
      if (notes.value(k_ref_name, std::string()) != tag ||
          notes.contains("io.containerd.image.name")) {
        kept.push_back(m);
      }
    }
    nlohmann::ordered_json entry = desc;
    entry["annotations"][k_ref_name] = tag;
    kept.push_back(std::move(entry));
    index["manifests"] = std::move(kept);
    util::write_file_atomic(index_path, index.dump(), 0644);
    ::unlink(lock_path.c_str());
  }
}

} // namespace kiln::cli
