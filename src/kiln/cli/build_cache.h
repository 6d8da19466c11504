#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "kiln/buildkit/solve.h"

namespace kiln::cli {

/// The cache flags of `build` as given.
struct CacheFlags {
  /// `--cache-from`: sources to import cache from.
  std::vector<std::string> from;
  /// `--cache-to`: destinations to export cache to.
  std::vector<std::string> to;
};

/// One cache importer or exporter: its type (`registry`, `local`,
/// `inline`...) and attributes (`ref`, `mode`, `src`, `dest`...).
using CacheEntry = buildkit::Export;

/// Registers `--cache-from` and `--cache-to` on `cmd`, filling `flags`.
void add_cache_flags(CLI::App& cmd, CacheFlags& flags);

/// Parses cache flag values the way Buildx does: `REF` (several,
/// comma-separated) for a registry, else `type=T,key=value`; empty
/// values are skipped. Throws `util::UserError` naming the bad part.
std::vector<CacheEntry>
parse_cache_entries(const std::vector<std::string>& values);

/// The cache part of a build, checked and ready to send.
struct CachePlan {
  /// The exporters, in flag order.
  std::vector<CacheEntry> exports;
  /// The importers that are usable, in flag order.
  std::vector<CacheEntry> imports;
  /// The local folders served to the daemon, by store id (`local:DIR`).
  std::map<std::string, std::filesystem::path> stores;
  /// The exported folders whose `index.json` names the new cache, with
  /// the tag to give it.
  std::map<std::filesystem::path, std::string> to_tag;
  /// Why an importer was left out, one line each.
  std::vector<std::string> warnings;
};

/// Checks `flags` as Buildx does before a build: a local export needs
/// `dest` (created if missing), a local import needs `src` and is left
/// out with a warning when the folder holds no cache, registry entries
/// need `ref`; `BUILDKIT_INLINE_CACHE` in `frontend_attrs` adds an
/// inline export. Throws `util::UserError` naming the bad value.
CachePlan plan_cache(const CacheFlags& flags,
                     const std::map<std::string, std::string>& frontend_attrs);

/// Returns the `cache-imports` frontend attribute for `imports`: a JSON
/// array of `{"Type", "Attrs"}` objects; empty when there are none.
std::string cache_imports_attr(const std::vector<CacheEntry>& imports);

/// Records the cache manifest `descriptor_json` (the solve response's
/// `cache.manifest`) in the `index.json` of each folder in `plan`.
void tag_local_caches(const CachePlan& plan,
                      const std::string& descriptor_json);

} // namespace kiln::cli
