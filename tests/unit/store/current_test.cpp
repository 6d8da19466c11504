#include <fstream>

#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "kiln/store/store.h"
#include "kiln/util/error.h"

namespace kiln::store {
namespace {

namespace fs = std::filesystem;

// `defaults/` file names: the first 20 hex digits of SHA-256 of the key.
const char* hash_a = "944228b255e444a29b17"; // "ctx-a"
const char* hash_b = "d58c3ff67e65c869478c"; // "ctx-b"

std::string read(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write(const fs::path& path, const std::string& text)
{
  std::ofstream(path, std::ios::binary) << text;
}

class CurrentTest : public ::testing::Test {
protected:
  void SetUp() override
  {
    auto lock = m_store.lock();
    for (const char* name : {"alpha", "bravo"}) {
      NodeGroup group;
      group.name = name;
      group.driver = "remote";
      m_store.save(group);
    }
  }

  test::TempDir m_tmp;
  fs::path m_dir = m_tmp.path() / "buildx";
  Store m_store{m_dir};
};

TEST_F(CurrentTest, NothingChosen)
{
  EXPECT_FALSE(m_store.current("ctx-a").has_value());
  EXPECT_FALSE(m_store.current_file().has_value());
  EXPECT_FALSE(fs::exists(m_dir / "current"));
}

TEST_F(CurrentTest, SetCurrentWritesGoJson)
{
  auto lock = m_store.lock();
  m_store.set_current("unix:///var/run/docker.sock", "alpha", false, false);

  EXPECT_EQ(read(m_dir / "current"),
            R"({"Key":"unix:///var/run/docker.sock","Name":"alpha",)"
            R"("Global":false})");
}

TEST_F(CurrentTest, ChoiceIsPerKey)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-a", "alpha", false, false);

  EXPECT_EQ(m_store.current("ctx-a"), "alpha");
  EXPECT_FALSE(m_store.current("ctx-b").has_value());
  EXPECT_FALSE(fs::exists(m_dir / "defaults" / hash_a));
}

TEST_F(CurrentTest, GlobalChoiceServesEveryKey)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-a", "alpha", true, false);

  EXPECT_EQ(m_store.current("ctx-a"), "alpha");
  EXPECT_EQ(m_store.current("ctx-b"), "alpha");
  std::optional<Current> file = m_store.current_file();
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->key, "ctx-a");
  EXPECT_EQ(file->name, "alpha");
  EXPECT_TRUE(file->global);
}

TEST_F(CurrentTest, GoneGlobalChoiceServesNoKey)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-a", "alpha", true, false);
  m_store.remove("alpha");

  EXPECT_FALSE(m_store.current("ctx-a").has_value());
  EXPECT_FALSE(m_store.current("ctx-b").has_value());
}

TEST_F(CurrentTest, StoredNameIsReturned)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-a", "ALPHA", false, false);

  EXPECT_EQ(m_store.current("ctx-a"), "alpha");
}

TEST_F(CurrentTest, DefaultIsUsedWhenAnotherKeyIsCurrent)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-a", "alpha", false, true);
  m_store.set_current("ctx-b", "bravo", false, false);

  EXPECT_EQ(read(m_dir / "defaults" / hash_a), "alpha");
  EXPECT_EQ(m_store.current("ctx-a"), "alpha");
  EXPECT_EQ(m_store.current("ctx-b"), "bravo");
  // A lookup alone writes nothing.
  EXPECT_EQ(m_store.current_file()->key, "ctx-b");
}

TEST_F(CurrentTest, UpdateCurrentRecordsTheDefault)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-a", "alpha", false, true);
  m_store.set_current("ctx-b", "bravo", false, false);

  EXPECT_EQ(m_store.update_current("ctx-a"), "alpha");

  EXPECT_EQ(read(m_dir / "current"),
            R"({"Key":"ctx-a","Name":"alpha","Global":false})");
  EXPECT_EQ(m_store.current("ctx-b"), std::nullopt);
}

TEST_F(CurrentTest, UpdateCurrentResetsWithoutDefault)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-b", "bravo", false, false);

  EXPECT_EQ(m_store.update_current("ctx-a"), std::nullopt);

  EXPECT_EQ(read(m_dir / "current"),
            R"({"Key":"ctx-a","Name":"","Global":false})");
}

TEST_F(CurrentTest, UpdateCurrentRecordsAGoneDefault)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-a", "alpha", false, true);
  m_store.remove("alpha");
  m_store.set_current("ctx-b", "bravo", false, false);

  EXPECT_EQ(m_store.update_current("ctx-a"), std::nullopt);

  EXPECT_EQ(read(m_dir / "current"),
            R"({"Key":"ctx-a","Name":"alpha","Global":false})");
}

TEST_F(CurrentTest, SetCurrentWithoutDefaultDropsTheDefault)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-a", "alpha", false, true);
  m_store.set_current("ctx-b", "bravo", false, true);
  m_store.set_current("ctx-a", "bravo", false, false);

  EXPECT_FALSE(fs::exists(m_dir / "defaults" / hash_a));
  EXPECT_EQ(read(m_dir / "defaults" / hash_b), "bravo");
}

TEST_F(CurrentTest, ResetCurrentForgetsChoiceAndDefault)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-a", "alpha", true, true);
  m_store.reset_current("ctx-a");

  EXPECT_EQ(read(m_dir / "current"),
            R"({"Key":"ctx-a","Name":"","Global":false})");
  EXPECT_FALSE(fs::exists(m_dir / "defaults" / hash_a));
  EXPECT_FALSE(m_store.current("ctx-a").has_value());
  EXPECT_FALSE(m_store.current("ctx-b").has_value());
}

TEST_F(CurrentTest, CorruptActivityMakesTheBuilderUnusable)
{
  auto lock = m_store.lock();
  m_store.set_current("ctx-a", "alpha", false, false);
  write(m_dir / "activity" / "alpha", "not a time");

  EXPECT_FALSE(m_store.current("ctx-a").has_value());
}

TEST_F(CurrentTest, CorruptCurrentFileThrowsNamingIt)
{
  write(m_dir / "current", "{oops");

  try {
    (void)m_store.current("ctx-a");
    FAIL() << "no error";
  } catch (const util::UserError& e) {
    EXPECT_EQ(std::string(e.what()), "failed to read current builder: \"" +
                                       (m_dir / "current").string() +
                                       "\": not a json object");
  }
}

TEST_F(CurrentTest, WrongTypeInCurrentFileThrows)
{
  write(m_dir / "current", R"({"Key":"ctx-a","Name":"alpha","Global":1})");

  try {
    (void)m_store.current_file();
    FAIL() << "no error";
  } catch (const util::UserError& e) {
    EXPECT_EQ(std::string(e.what()),
              "failed to read current builder: \"" +
                (m_dir / "current").string() +
                "\": \"Global\" must be a boolean, not number");
  }
}

TEST_F(CurrentTest, CurrentFileFieldsMatchIgnoringCase)
{
  write(m_dir / "current", R"({"key":"ctx-a","NAME":"bravo","Global":null})");

  EXPECT_EQ(m_store.current("ctx-a"), "bravo");
}

} // namespace
} // namespace kiln::store
