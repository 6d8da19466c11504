#include "kiln/session/walk.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace kiln::session {
namespace {

namespace fs = std::filesystem;

class WalkTest : public ::testing::Test {
protected:
  void SetUp() override
  {
    char tmpl[] = "/tmp/kiln-walk.XXXXXX";
    m_root = ::mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(m_root); }

  void file(const std::string& rel, const std::string& text = "x")
  {
    fs::create_directories((m_root / rel).parent_path());
    std::ofstream(m_root / rel) << text;
  }

  std::vector<std::string> paths(const WalkFilter& filter = {})
  {
    std::vector<std::string> out;
    walk(m_root, filter, [&](fsutil::types::Stat&& st, const fs::path&) {
      out.push_back(st.path());
    });
    return out;
  }

  fs::path m_root;
};

TEST_F(WalkTest, DepthFirstSortedBytewise)
{
  file("a/b");
  file("a.txt");
  file("a-b/c");
  file("B");
  EXPECT_EQ(paths(), (std::vector<std::string>{"B", "a", "a/b", "a-b", "a-b/c",
                                               "a.txt"}));
}

TEST_F(WalkTest, IncludeSendsParentsOnlyWhenNeeded)
{
  file("keep/deep/Dockerfile");
  file("other/file");
  WalkFilter filter;
  filter.include = PatternMatcher({"keep/deep/Dockerfile"});
  EXPECT_EQ(paths(filter), (std::vector<std::string>{"keep", "keep/deep",
                                                     "keep/deep/Dockerfile"}));
}

TEST_F(WalkTest, ExcludeWithExceptions)
{
  file("logs/a.log");
  file("logs/keep.log");
  file("main.c");
  WalkFilter filter;
  filter.exclude = PatternMatcher({"logs", "!logs/keep.log"});
  EXPECT_EQ(paths(filter),
            (std::vector<std::string>{"logs", "logs/keep.log", "main.c"}));
}

TEST_F(WalkTest, GoModesAndLinks)
{
  file("f", "hello");
  ::chmod((m_root / "f").c_str(), 04755);
  fs::create_symlink("f", m_root / "l");
  fs::create_hard_link(m_root / "f", m_root / "h");
  std::vector<fsutil::types::Stat> got;
  walk(m_root, {},
       [&](fsutil::types::Stat&& st, const fs::path&) { got.push_back(st); });
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].path(), "f");
  EXPECT_EQ(got[0].mode(), go_mode::setuid | 0755);
  EXPECT_EQ(got[0].size(), 5);
  EXPECT_EQ(got[1].path(), "h");
  EXPECT_EQ(got[1].linkname(), "f");
  EXPECT_EQ(got[1].size(), 5);
  EXPECT_EQ(got[2].path(), "l");
  EXPECT_EQ(got[2].mode(), go_mode::symlink | 0777);
  EXPECT_EQ(got[2].linkname(), "f");
  EXPECT_EQ(got[2].size(), 1);
  EXPECT_EQ(to_posix_mode(go_mode::dir | 0700), S_IFDIR | 0700);
}

TEST_F(WalkTest, OwnersAreRoot)
{
  file("owned");
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown((m_root / "owned").c_str(), 1234, 5678), 0);
  }
  std::vector<fsutil::types::Stat> got;
  walk(m_root, {},
       [&](fsutil::types::Stat&& st, const fs::path&) { got.push_back(st); });
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].uid(), 0U);
  EXPECT_EQ(got[0].gid(), 0U);
}

TEST_F(WalkTest, ExtendedAttributesGoAlong)
{
  file("tagged");
  std::string path = (m_root / "tagged").string();
  if (::setxattr(path.c_str(), "user.kiln", "v1", 2, 0) != 0) {
    GTEST_SKIP() << "no user attributes on " << m_root;
  }
  std::vector<fsutil::types::Stat> got;
  walk(m_root, {},
       [&](fsutil::types::Stat&& st, const fs::path&) { got.push_back(st); });
  ASSERT_EQ(got.size(), 1U);
  ASSERT_EQ(got[0].xattrs().size(), 1U);
  EXPECT_EQ(got[0].xattrs().at("user.kiln"), "v1");
}

TEST_F(WalkTest, SocketIsSentAsAFile)
{
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = (m_root / "sock").string();
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  std::copy(path.begin(), path.end(), addr.sun_path);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  ::chmod(path.c_str(), 0755);
  std::vector<fsutil::types::Stat> got;
  std::vector<fs::path> files;
  walk(m_root, {}, [&](fsutil::types::Stat&& st, const fs::path& f) {
    got.push_back(st);
    files.push_back(f);
  });
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].mode(), 0755U);
  EXPECT_EQ(files[0], m_root / "sock");
}

} // namespace
} // namespace kiln::session
