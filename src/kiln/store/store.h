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
///
/// Locking contract. Reads (`list`, `get`, `current`, `current_file`,
/// `last_activity`, `generate_name`) take no lock: every file is replaced
/// whole by a rename, so a reader never sees a torn one. Writes (`save`,
/// `remove`, `set_current`, `reset_current`, `update_current`,
/// `touch_activity`) do not lock either: the caller must hold `lock()`
/// around them and around the reads that decided them, as Buildx holds
/// its lock for a whole command. The lock is not re-entrant; see `lock()`.
class Store {
public:
  /// Opens the store at `dir`, creating its folders.
  explicit Store(std::filesystem::path dir);

  /// Returns the store folder: `$BUILDX_CONFIG`, else
  /// `$DOCKER_CONFIG/buildx`, else `~/.docker/buildx`.
  static std::filesystem::path default_dir();

  /// Returns the folder this store lives in.
  [[nodiscard]] const std::filesystem::path& dir() const { return m_dir; }

  /// An exclusive hold on the store's `.lock` (flock(2), as Buildx takes
  /// it); released on destruction. Never hold one across network I/O.
  class Lock {
  public:
    /// Waits for the lock on `path`; throws `std::logic_error` when this
    /// thread already holds a store lock, `util::FileError` on failure.
    explicit Lock(const std::filesystem::path& path);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

  private:
    int m_fd = -1;
  };

  /// Takes the store's lock, waiting for other writers (Buildx may hold
  /// it for a whole command). A second `lock()` on the same thread while
  /// one is held throws `std::logic_error` instead of deadlocking.
  [[nodiscard]] Lock lock() const;

  /// Reads every builder, sorted by name; unreadable files are reported
  /// in `bad`, not thrown, and temp files are skipped. No lock needed.
  [[nodiscard]] Listing list() const;

  /// Reads builder `name` (any case, as Buildx files it in lowercase);
  /// nullopt when there is none. Throws `util::UserError` when `name` is
  /// invalid, or naming the file when it exists but is corrupt.
  [[nodiscard]] std::optional<NodeGroup> get(const std::string& name) const;

  /// Writes `group` atomically to `instances/<lowercase name>` and, as
  /// Buildx's save does, records activity now. Caller holds `lock()`.
  void save(const NodeGroup& group) const;

  /// Removes builder `name` and its activity record; false if absent.
  /// Caller holds `lock()`.
  bool remove(const std::string& name) const;

  /// Returns the stored name of the current builder for Docker endpoint
  /// `key` (Buildx's rules: a global choice, the choice for this key,
  /// then the key's default), or nullopt when none is set or it no
  /// longer exists. Writes nothing; throws `util::UserError` naming the
  /// `current` file when it is corrupt.
  [[nodiscard]] std::optional<std::string>
  current(const std::string& key) const;

  /// Returns what `current()` returns and also rewrites `current` the
  /// way Buildx's lookup does (forgetting another endpoint's choice or
  /// recording the default), so later lookups by either tool agree.
  /// Caller holds `lock()`.
  std::optional<std::string> update_current(const std::string& key) const;

  /// Returns what the `current` file says; nullopt when there is none.
  /// Throws `util::UserError` naming the file when it is corrupt.
  [[nodiscard]] std::optional<Current> current_file() const;

  /// Makes `name` current for `key`; `global` for every endpoint,
  /// `make_default` also as the key's default (else the key's default
  /// is dropped). Caller holds `lock()`.
  void set_current(const std::string& key, const std::string& name, bool global,
                   bool make_default) const;

  /// Forgets any current choice for `key` and its default, as `use
  /// default` does. Caller holds `lock()`.
  void reset_current(const std::string& key) const;

  /// Records that builder `name` was used now; `name` is the stored
  /// `NodeGroup::name`, case kept, as Buildx names the record. Caller
  /// holds `lock()`.
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

/// Returns whether `name` is a valid builder name.
bool is_valid_name(const std::string& name);

/// Validates `name` and returns its lowercase form, which names its file.
std::string normalize_name(const std::string& name);

/// Returns a fresh generated builder name (Buildx's `adjective_name`
/// style, a digit added after the first try) not present in `store`;
/// throws `util::UserError` after six taken names.
std::string generate_name(const Store& store);

} // namespace kiln::store
