#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln::cli {

/// Parses `--label` values (`KEY=VALUE`, or `KEY` for an empty value);
/// throws `util::UserError` for an empty key.
std::map<std::string, std::string>
parse_labels(const std::vector<std::string>& values);

/// Turns `--add-host` values (`host:ip` or `host=ip`, several addresses
/// separated by commas, IPv6 in brackets allowed) into the frontend's
/// `host=ip,...` form; throws `util::UserError` naming a bad entry.
std::string parse_add_hosts(const std::vector<std::string>& values);

/// Parses a memory size like `64m` or `1.5GiB` (binary units, `b`
/// optional) as `--shm-size` takes it; throws `std::invalid_argument`
/// with the reason.
std::int64_t parse_ram_bytes(const std::string& text);

/// Turns `--ulimit` values (`name=soft[:hard]`) into the frontend's
/// `name=soft:hard,...` form, sorted by name, a later value for a name
/// replacing an earlier one; throws `util::UserError` naming the value.
std::string parse_ulimits(const std::vector<std::string>& values);

/// Returns the frontend's `force-network-mode` for `--network`: `host`,
/// `none`, or empty for `default`; throws `util::UserError` for other
/// modes.
std::string network_mode(const std::string& text);

/// Parses `--build-context` values (`name=value`) into a map keyed by
/// the name in its short form (`docker.io/library/x:latest` is `x`);
/// throws `util::UserError` naming a bad entry.
std::map<std::string, std::string>
parse_context_names(const std::vector<std::string>& values);

/// How the build's progress is shown and whether the image id is
/// printed at the end.
struct ProgressChoice {
  /// The display mode's name: auto, plain, tty, quiet or rawjson.
  std::string mode;
  /// Whether to print the image id on stdout after the build.
  bool print_id = false;
};

/// Combines `--progress` text, `-q` and `BUILDKIT_PROGRESS` (`env`, may
/// be null) as Buildx does: `quiet` also prints the id, `none` does
/// not, and the environment applies only to `auto`. Throws
/// `util::UserError` when `-q` meets another mode.
ProgressChoice choose_progress(const std::string& progress, bool quiet,
                               const char* env);

} // namespace kiln::cli
