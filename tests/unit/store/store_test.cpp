#include "kiln/store/store.h"

#include <chrono>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "../support/temp_dir.h"
#include "kiln/util/error.h"

namespace kiln::store {
namespace {

namespace fs = std::filesystem;

NodeGroup builder(const std::string& name,
                  const std::string& endpoint = "unix:///tmp/x.sock")
{
  NodeGroup out;
  out.name = name;
  out.driver = "remote";
  Node node;
  node.name = name + "0";
  node.endpoint = endpoint;
  out.nodes.push_back(node);
  return out;
}

std::string read(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write(const fs::path& path, const std::string& text)
{
  std::ofstream(path, std::ios::binary) << text;
}

unsigned mode_of(const fs::path& path)
{
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class StoreTest : public ::testing::Test {
protected:
  test::TempDir m_tmp;
  fs::path m_dir = m_tmp.path() / "buildx";
  Store m_store{m_dir};

  fs::path instance(const std::string& file) const
  {
    return m_dir / "instances" / file;
  }
};

TEST_F(StoreTest, CreatesPrivateFolders)
{
  EXPECT_EQ(mode_of(m_dir), 0700u);
  for (const char* sub : {"instances", "defaults", "activity"}) {
    EXPECT_EQ(mode_of(m_dir / sub), 0700u) << sub;
  }
}

TEST_F(StoreTest, SaveThenGetRoundTrips)
{
  NodeGroup group = builder("alpha", "tcp://bk:1234");
  group.nodes[0].driver_opts = {{"cacert", "/ca.pem"}};
  group.nodes[0].platforms = {parse_platform("linux/arm64")};

  auto lock = m_store.lock();
  m_store.save(group);
  std::optional<NodeGroup> back = m_store.get("alpha");

  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->name, "alpha");
  EXPECT_EQ(back->driver, "remote");
  ASSERT_EQ(back->nodes.size(), 1u);
  EXPECT_EQ(back->nodes[0].name, "alpha0");
  EXPECT_EQ(back->nodes[0].endpoint, "tcp://bk:1234");
  EXPECT_EQ(back->nodes[0].driver_opts, group.nodes[0].driver_opts);
  EXPECT_EQ(back->nodes[0].platforms, group.nodes[0].platforms);
  EXPECT_EQ(read(instance("alpha")), to_store_text(group));
}

TEST_F(StoreTest, FilesArePrivate)
{
  auto lock = m_store.lock();
  m_store.save(builder("alpha"));
  m_store.set_current("ctx-a", "alpha", false, true);

  EXPECT_EQ(mode_of(instance("alpha")), 0600u);
  EXPECT_EQ(mode_of(m_dir / "activity" / "alpha"), 0600u);
  EXPECT_EQ(mode_of(m_dir / "current"), 0600u);
  EXPECT_EQ(mode_of(m_dir / "defaults" / "944228b255e444a29b17"), 0600u);
}

TEST_F(StoreTest, NamesAreCaseInsensitiveAndFiledLowercase)
{
  auto lock = m_store.lock();
  m_store.save(builder("MyBuilder"));

  EXPECT_TRUE(fs::exists(instance("mybuilder")));
  EXPECT_FALSE(fs::exists(instance("MyBuilder")));
  ASSERT_TRUE(m_store.get("mybuilder").has_value());
  ASSERT_TRUE(m_store.get("MYBUILDER").has_value());
  EXPECT_EQ(m_store.get("myBuilder")->name, "MyBuilder");
}

TEST_F(StoreTest, GetOfAbsentBuilderIsEmpty)
{
  EXPECT_FALSE(m_store.get("nothing").has_value());
}

TEST_F(StoreTest, GetRejectsInvalidName)
{
  try {
    (void)m_store.get("../etc");
    FAIL() << "no error";
  } catch (const util::UserError& e) {
    EXPECT_STREQ(e.what(),
                 "invalid name ../etc, name needs to start with a letter and "
                 "may not contain symbols, except ._-");
  }
}

TEST_F(StoreTest, ListIsSortedAndSkipsTempFiles)
{
  auto lock = m_store.lock();
  m_store.save(builder("charlie"));
  m_store.save(builder("alpha"));
  m_store.save(builder("bravo"));
  write(instance(".tmp-delta-123456"), "{\"Name\":");

  Listing listing = m_store.list();

  ASSERT_EQ(listing.groups.size(), 3u);
  EXPECT_EQ(listing.groups[0].name, "alpha");
  EXPECT_EQ(listing.groups[1].name, "bravo");
  EXPECT_EQ(listing.groups[2].name, "charlie");
  EXPECT_TRUE(listing.bad.empty());
}

TEST_F(StoreTest, ListOfEmptyStore)
{
  Listing listing = m_store.list();

  EXPECT_TRUE(listing.groups.empty());
  EXPECT_TRUE(listing.bad.empty());
}

TEST_F(StoreTest, GarbageFileIsReportedByNameAndListGoesOn)
{
  auto lock = m_store.lock();
  m_store.save(builder("good"));
  write(instance("x"), "garbage");

  Listing listing = m_store.list();

  ASSERT_EQ(listing.groups.size(), 1u);
  EXPECT_EQ(listing.groups[0].name, "good");
  ASSERT_EQ(listing.bad.size(), 1u);
  EXPECT_EQ(listing.bad[0].name, "x");
  EXPECT_EQ(listing.bad[0].message,
            "failed to read builder \"x\": \"" + instance("x").string() +
              "\": parse error at line 1, column 1: syntax error while "
              "parsing value - invalid literal; "
              "last read: 'g'");
}

TEST_F(StoreTest, GetOfGarbageFileThrowsNamingTheFile)
{
  write(instance("x"), "garbage");

  try {
    (void)m_store.get("X");
    FAIL() << "no error";
  } catch (const util::UserError& e) {
    EXPECT_EQ(std::string(e.what()),
              "failed to read builder \"X\": \"" + instance("x").string() +
                "\": parse error at line 1, column 1: syntax error while "
                "parsing value - invalid literal; "
                "last read: 'g'");
  }
}

TEST_F(StoreTest, WrongTypesAreReportedWithTheField)
{
  write(instance("typed"), R"({"Name":"typed","Nodes":[{"Name":7}]})");
  write(instance("empty"), "");
  write(instance("array"), "[]");

  Listing listing = m_store.list();

  ASSERT_EQ(listing.bad.size(), 3u);
  EXPECT_EQ(listing.bad[0].name, "array");
  EXPECT_EQ(listing.bad[0].message,
            "failed to read builder \"array\": \"" +
              instance("array").string() +
              "\": a builder must be an object, not array");
  EXPECT_EQ(listing.bad[1].name, "empty");
  EXPECT_EQ(listing.bad[1].message,
            "failed to read builder \"empty\": \"" +
              instance("empty").string() +
              "\": parse error at line 1, column 1: syntax error while "
              "parsing value - unexpected end of input; expected '[', '{', or "
              "a literal");
  EXPECT_EQ(listing.bad[2].name, "typed");
  EXPECT_EQ(listing.bad[2].message,
            "failed to read builder \"typed\": \"" +
              instance("typed").string() +
              "\": \"Nodes[0].Name\" must be a string, not number");
}

TEST_F(StoreTest, BadFileNamesAreReported)
{
  write(instance("Upper"), to_store_text(builder("Upper")));
  write(instance("9lives"), to_store_text(builder("a")));
  fs::create_directory(instance("folder"));

  Listing listing = m_store.list();

  EXPECT_TRUE(listing.groups.empty());
  ASSERT_EQ(listing.bad.size(), 3u);
  EXPECT_EQ(listing.bad[0].name, "9lives");
  EXPECT_EQ(listing.bad[0].message,
            "failed to read builder \"9lives\": \"" +
              instance("9lives").string() +
              "\": invalid name 9lives, name needs to start with a letter "
              "and may not contain symbols, except ._-");
  EXPECT_EQ(listing.bad[1].name, "Upper");
  EXPECT_EQ(listing.bad[1].message,
            "failed to read builder \"Upper\": \"" +
              instance("Upper").string() +
              "\": file name is not lowercase, so buildx ignores it");
  EXPECT_EQ(listing.bad[2].name, "folder");
  EXPECT_EQ(listing.bad[2].message, "failed to read builder \"folder\": \"" +
                                      instance("folder").string() +
                                      "\": is a directory");
}

TEST_F(StoreTest, UnknownFieldsAreKeptOnRewrite)
{
  write(instance("kept"),
        R"({"Name":"kept","Driver":"remote","Nodes":[{"Name":"kept0",)"
        R"("Endpoint":"unix:///a.sock","Future":{"x":1}}],"Dynamic":false,)"
        R"("Owner":"ops"})");

  std::optional<NodeGroup> group = m_store.get("kept");
  ASSERT_TRUE(group.has_value());
  group->nodes[0].endpoint = "unix:///b.sock";
  {
    auto lock = m_store.lock();
    m_store.save(*group);
  }

  EXPECT_EQ(read(instance("kept")),
            R"({"Name":"kept","Driver":"remote","Nodes":[{"Name":"kept0",)"
            R"("Endpoint":"unix:///b.sock","Platforms":null,)"
            R"("DriverOpts":null,"Flags":null,"Files":null,)"
            R"("Future":{"x":1}}],"Dynamic":false,"Owner":"ops"})");
}

TEST_F(StoreTest, SaveRecordsActivity)
{
  auto before = std::chrono::system_clock::now() - std::chrono::seconds(1);
  {
    auto lock = m_store.lock();
    m_store.save(builder("Alpha"));
  }
  auto after = std::chrono::system_clock::now() + std::chrono::seconds(1);

  std::string text = read(m_dir / "activity" / "Alpha");
  auto when = m_store.last_activity("Alpha");

  ASSERT_TRUE(when.has_value());
  EXPECT_GE(*when, before);
  EXPECT_LE(*when, after);
  ASSERT_EQ(text.size(), 20u) << text;
  EXPECT_EQ(text[4], '-');
  EXPECT_EQ(text[10], 'T');
  EXPECT_EQ(text.back(), 'Z');
}

TEST_F(StoreTest, LastActivityReadsGoTimes)
{
  write(m_dir / "activity" / "a", "2024-03-01T12:30:00Z");
  write(m_dir / "activity" / "b", "2024-03-01T14:30:00.123456789+02:00");
  write(m_dir / "activity" / "c", "yesterday");

  auto a = m_store.last_activity("a");
  auto b = m_store.last_activity("b");

  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*a), 1709296200);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*b), 1709296200);
  EXPECT_FALSE(m_store.last_activity("c").has_value());
  EXPECT_FALSE(m_store.last_activity("none").has_value());
  EXPECT_FALSE(m_store.last_activity("../x").has_value());
}

TEST_F(StoreTest, RemoveDropsBuilderAndActivity)
{
  auto lock = m_store.lock();
  m_store.save(builder("Gone"));
  m_store.save(builder("stays"));
  m_store.touch_activity("gone");

  EXPECT_TRUE(m_store.remove("GONE"));

  EXPECT_FALSE(fs::exists(instance("gone")));
  EXPECT_FALSE(fs::exists(m_dir / "activity" / "Gone"));
  EXPECT_FALSE(fs::exists(m_dir / "activity" / "gone"));
  EXPECT_TRUE(m_store.get("stays").has_value());
  EXPECT_FALSE(m_store.remove("gone"));
}

TEST_F(StoreTest, RemoveOfCorruptBuilderWorks)
{
  write(instance("x"), "garbage");
  auto lock = m_store.lock();

  EXPECT_TRUE(m_store.remove("x"));
  EXPECT_FALSE(fs::exists(instance("x")));
}

TEST_F(StoreTest, SecondLockOnOneThreadThrows)
{
  auto lock = m_store.lock();

  EXPECT_THROW((void)m_store.lock(), std::logic_error);
}

TEST_F(StoreTest, LockCanBeTakenAgainAfterRelease)
{
  {
    auto lock = m_store.lock();
  }
  auto again = m_store.lock();

  EXPECT_TRUE(fs::exists(m_dir / ".lock"));
}

void restore(const char* name, const std::string& value)
{
  if (value.empty()) {
    ::unsetenv(name);
  } else {
    ::setenv(name, value.c_str(), 1);
  }
}

TEST(StoreDefaultDir, FollowsBuildxConfigThenDockerConfig)
{
  test::TempDir tmp;
  std::string old_buildx =
    std::getenv("BUILDX_CONFIG") ? std::getenv("BUILDX_CONFIG") : "";
  std::string old_docker =
    std::getenv("DOCKER_CONFIG") ? std::getenv("DOCKER_CONFIG") : "";

  ::setenv("BUILDX_CONFIG", (tmp.path() / "bx").c_str(), 1);
  ::setenv("DOCKER_CONFIG", (tmp.path() / "dc").c_str(), 1);
  fs::path with_buildx = Store::default_dir();
  ::unsetenv("BUILDX_CONFIG");
  fs::path with_docker = Store::default_dir();

  restore("BUILDX_CONFIG", old_buildx);
  restore("DOCKER_CONFIG", old_docker);
  EXPECT_EQ(with_buildx, tmp.path() / "bx");
  EXPECT_EQ(with_docker, tmp.path() / "dc" / "buildx");
}

} // namespace
} // namespace kiln::store
