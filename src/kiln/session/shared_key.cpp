#include "kiln/session/shared_key.h"

#include <cstdio>
#include <random>

#include "kiln/util/fs.h"

namespace kiln::session {

namespace fs = std::filesystem;

std::string node_id(const fs::path& config_dir)
{
  fs::path path = config_dir / ".buildNodeID";
  try {
    if (auto text = util::read_file(path)) {
      return *text;
    }
    std::random_device device;
    std::string id;
    for (int i = 0; i < 8; ++i) {
      char hex[3];
      std::snprintf(hex, sizeof hex, "%02x",
                    static_cast<unsigned>(device() & 0xff));
      id += hex;
    }
    util::make_private_dirs(config_dir);
    util::write_file_atomic(path, id, 0600);
    return id;
  } catch (const std::exception&) {
    return "";
  }
}

std::string shared_key(const fs::path& dir, const fs::path& config_dir)
{
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec);
  std::string base = (ec ? dir : abs).lexically_normal().filename().string();
  if (base.empty()) {
    base = (ec ? dir : abs).lexically_normal().parent_path().filename();
  }
  return base + ":" + node_id(config_dir);
}

} // namespace kiln::session
