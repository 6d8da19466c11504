// Many kiln processes writing one store at once: every write must land
// whole, and none may be lost or leave a temp file behind.

#include <set>

#include <gtest/gtest.h>

#include "../support/run.h"
#include "../support/temp_dir.h"
#include "kiln/store/store.h"

namespace kiln::store {
namespace {

namespace fs = std::filesystem;

TEST(ConcurrentWriters, CreatesAndRemovesAllLandWhole)
{
  constexpr int creators = 16;
  constexpr int removed = 4;
  test::TempDir tmp;
  test::Kiln kiln(tmp.path());
  for (int i = 0; i < removed; ++i) {
    std::string name = "r" + std::to_string(i);
    ASSERT_EQ(
      kiln.run({"create", "--name", name, "unix:///tmp/r.sock"}).exit_code, 0);
  }

  std::vector<std::pair<pid_t, std::string>> running;
  for (int i = 0; i < creators; ++i) {
    std::string tag = "create" + std::to_string(i);
    running.emplace_back(
      kiln.start({"create", "--name", "b" + std::to_string(i), "--driver",
                  "remote", "unix:///tmp/x.sock"},
                 tag),
      tag);
    if (i < removed) {
      std::string rm_tag = "rm" + std::to_string(i);
      running.emplace_back(kiln.start({"rm", "r" + std::to_string(i)}, rm_tag),
                           rm_tag);
    }
  }
  for (const auto& [pid, tag] : running) {
    test::RunResult result = kiln.finish(pid, tag);
    EXPECT_EQ(result.exit_code, 0) << tag << ": " << result.err;
  }

  Store store(kiln.store());
  Listing listing = store.list();
  std::set<std::string> names;
  for (const NodeGroup& group : listing.groups) {
    names.insert(group.name);
    ASSERT_EQ(group.nodes.size(), 1u) << group.name;
    EXPECT_EQ(group.nodes[0].endpoint, "unix:///tmp/x.sock");
    EXPECT_EQ(group.nodes[0].name, group.name + "0");
  }
  std::set<std::string> expected;
  for (int i = 0; i < creators; ++i) {
    expected.insert("b" + std::to_string(i));
    EXPECT_TRUE(store.last_activity("b" + std::to_string(i)).has_value());
  }
  EXPECT_EQ(names, expected);
  EXPECT_TRUE(listing.bad.empty());
  for (const auto& entry : fs::recursive_directory_iterator(kiln.store())) {
    std::string file = entry.path().filename().string();
    EXPECT_FALSE(file.starts_with(".tmp-")) << entry.path();
    EXPECT_FALSE(file.starts_with("r") && file.size() == 2) << entry.path();
  }
}

} // namespace
} // namespace kiln::store
