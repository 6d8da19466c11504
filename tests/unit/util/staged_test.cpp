#include "kiln/util/staged.h"

#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "../support/temp_dir.h"

namespace kiln::util {
namespace {

namespace fs = std::filesystem;

void put(const fs::path& path, const std::string& text)
{
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string get(const fs::path& path)
{
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

size_t entries(const fs::path& dir)
{
  return static_cast<size_t>(
    std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(Staged, FileAppearsOnlyOnCommit)
{
  test::TempDir tmp;
  fs::path dest = tmp.path() / "out.tar";
  put(dest, "old");
  {
    Staged staged(dest, Staged::Kind::file);
    ASSERT_EQ(::write(staged.fd(), "new", 3), 3);
    EXPECT_EQ(get(dest), "old");
    staged.commit();
  }
  EXPECT_EQ(get(dest), "new");
  EXPECT_EQ(entries(tmp.path()), 1U);
}

TEST(Staged, UncommittedFileLeavesNothing)
{
  test::TempDir tmp;
  fs::path dest = tmp.path() / "sub" / "out.tar";
  {
    Staged staged(dest, Staged::Kind::file);
    ASSERT_EQ(::write(staged.fd(), "part", 4), 4);
  }
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_EQ(entries(tmp.path() / "sub"), 0U);
}

TEST(Staged, NewFolderIsRenamedIntoPlace)
{
  test::TempDir tmp;
  fs::path dest = tmp.path() / "out";
  {
    Staged staged(dest, Staged::Kind::folder);
    put(staged.temp() / "a" / "b.txt", "b");
    EXPECT_FALSE(fs::exists(dest));
    staged.commit();
  }
  EXPECT_EQ(get(dest / "a" / "b.txt"), "b");
  EXPECT_EQ(entries(tmp.path()), 1U);
}

TEST(Staged, FolderMergesIntoExistingOne)
{
  test::TempDir tmp;
  fs::path dest = tmp.path() / "out";
  put(dest / "keep.txt", "kept");
  put(dest / "a" / "old.txt", "old");
  put(dest / "a" / "same.txt", "before");
  put(dest / "was-dir" / "x", "x");
  {
    Staged staged(dest / "", Staged::Kind::folder);
    put(staged.temp() / "a" / "same.txt", "after");
    put(staged.temp() / "was-dir", "now a file");
    staged.commit();
  }
  EXPECT_EQ(get(dest / "keep.txt"), "kept");
  EXPECT_EQ(get(dest / "a" / "old.txt"), "old");
  EXPECT_EQ(get(dest / "a" / "same.txt"), "after");
  EXPECT_EQ(get(dest / "was-dir"), "now a file");
  EXPECT_EQ(entries(tmp.path()), 1U);
}

TEST(Staged, UncommittedFolderLeavesExistingOneAlone)
{
  test::TempDir tmp;
  fs::path dest = tmp.path() / "out";
  put(dest / "keep.txt", "kept");
  {
    Staged staged(dest, Staged::Kind::folder);
    put(staged.temp() / "keep.txt", "half");
  }
  EXPECT_EQ(get(dest / "keep.txt"), "kept");
  EXPECT_EQ(entries(tmp.path()), 1U);
}

} // namespace
} // namespace kiln::util
