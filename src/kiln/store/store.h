#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kiln/store/node_group.h"

namespace kiln::store {

/// A stored builder file that could not be read, by name.
struct BadEntry {
  std::string name;
  std::string message;
};

/// Everything `list()` found: the builders and the files it skipped.
struct Listing {
  std::vector<NodeGroup> groups;
  std::vector<BadEntry> bad;
};

/// What the `current` file says.
struct Current {
  std::string key;
  std::string name;
  bool global = false;
};

/// The builder store, laid out as Buildx lays it out so both tools share
/// it: `instances/NAME`, `current`, `defaults/HASH`, `activity/NAME` and
/// a `.lock` file. Every write is a temp file renamed into place (0600
/// files, 0700 folders) under the lock.
class Store {
public:
  /// Opens the store at `dir`, creating its folders.
  explicit Store(std::filesystem::path dir);

  /// Returns the store folder: `$BUILDX_CONFIG`, else
  /// `$DOCKER_CONFIG/buildx`, else `~/.docker/buildx`.
  static std::filesystem::path default_dir();

  /// Returns the folder this store lives in.
  [[nodiscard]] const std::filesystem::path& dir() const { return m_dir; }

  /// An exclusive hold on the store's `.lock`; released on destruction.
  /// Never hold one across network I/O.
  class Lock {
  public:
    explicit Lock(const std::filesystem::path& path);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

  private:
    int m_fd = -1;
  };

  /// Takes the store's lock, waiting for other writers.
  [[nodiscard]] Lock lock() const;

  /// Reads every builder; unreadable files are reported, not thrown.
  [[nodiscard]] Listing list() const;

  /// Reads builder `name`; nullopt when there is none. Throws
  /// `util::UserError` naming the file when it exists but is corrupt.
  [[nodiscard]] std::optional<NodeGroup> get(const std::string& name) const;

  /// Writes `group` atomically to `instances/<name>`.
  void save(const NodeGroup& group) const;

  /// Removes builder `name` and its activity record; false if absent.
  bool remove(const std::string& name) const;

  /// Returns the name of the current builder for Docker endpoint `key`
  /// (Buildx's rules: a global choice, the choice for this key, then the
  /// key's default), or nullopt when none is set or it no longer exists.
  [[nodiscard]] std::optional<std::string>
  current(const std::string& key) const;

  /// Makes `name` current for `key`; `global` for every endpoint,
  /// `make_default` also as the key's default.
  void set_current(const std::string& key, const std::string& name,
                   bool global, bool make_default) const;

  /// Forgets any current choice for `key`.
  void reset_current(const std::string& key) const;

  /// Records that builder `name` was used now.
  void touch_activity(const std::string& name) const;

  /// Returns when builder `name` was last used, if recorded.
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point>
  last_activity(const std::string& name) const;

private:
  std::filesystem::path m_dir;
};

/// Validates a builder name as Buildx does; throws `util::UserError`
/// naming it when invalid.
void validate_name(const std::string& name);

/// Returns a fresh generated builder name (Buildx's `adjective_name`
/// style) not present in `store`.
std::string generate_name(const Store& store);

} // namespace kiln::store
