#include "kiln/cli/build_cache.h"
#include "kiln/util/error.h"
#include "kiln/util/fs.h"

#include <gtest/gtest.h>

#include "../support/temp_dir.h"

namespace kiln::cli {
namespace {

using Attrs = std::map<std::string, std::string>;

std::string parse_error(const std::string& text)
{
  try {
    parse_cache_entries({text});
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

std::string plan_error(const CacheFlags& flags)
{
  try {
    plan_cache(flags, {});
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseCacheEntries, BareReferencesAreRegistryEntries)
{
  auto entries = parse_cache_entries({"user/app:cache,other/app:cache", ""});
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0].type, "registry");
  EXPECT_EQ(entries[0].attrs, (Attrs{{"ref", "user/app:cache"}}));
  EXPECT_EQ(entries[1].attrs, (Attrs{{"ref", "other/app:cache"}}));
}

TEST(ParseCacheEntries, FieldsWithLowercaseKeys)
{
  auto entries =
    parse_cache_entries({"type=registry,REF=r:5000/c,mode=max", "type=inline"});
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0].type, "registry");
  EXPECT_EQ(entries[0].attrs, (Attrs{{"ref", "r:5000/c"}, {"mode", "max"}}));
  EXPECT_EQ(entries[1].type, "inline");
  EXPECT_TRUE(entries[1].attrs.empty());
}

TEST(ParseCacheEntries, BuildxErrorTexts)
{
  EXPECT_EQ(parse_error("mode=max,dest=x"),
            "type required for \"mode=max,dest=x\"");
  EXPECT_EQ(parse_error("type=local,foo"), "invalid value foo");
}

TEST(PlanCache, LocalAndRegistryNeedTheirPaths)
{
  EXPECT_EQ(plan_error({{}, {"type=local"}}),
            "failed to build: local cache exporter requires dest");
  EXPECT_EQ(plan_error({{"type=local"}, {}}),
            "failed to build: local cache importer requires src");
  EXPECT_EQ(plan_error({{}, {"type=registry,mode=max"}}),
            "failed to build: registry cache exporter requires ref");
  EXPECT_EQ(plan_error({{"type=registry"}, {}}),
            "failed to build: registry cache importer requires ref");
}

TEST(PlanCache, LocalExportCreatesTheFolderAndServesIt)
{
  test::TempDir tmp;
  std::string dest = (tmp.path() / "a" / "cache").string();
  CachePlan plan = plan_cache({{}, {"type=local,dest=" + dest}}, {});
  EXPECT_TRUE(std::filesystem::is_directory(dest));
  EXPECT_EQ(plan.stores.at("local:" + dest), dest);
  EXPECT_EQ(plan.to_tag.at(dest), "latest");
  ASSERT_EQ(plan.exports.size(), 1U);
  EXPECT_EQ(plan.exports[0].attrs.at("dest"), dest);
}

TEST(PlanCache, MissingLocalSourceIsAWarning)
{
  test::TempDir tmp;
  std::string src = (tmp.path() / "nope").string();
  CachePlan plan = plan_cache({{"type=local,src=" + src}, {}}, {});
  EXPECT_TRUE(plan.imports.empty());
  EXPECT_TRUE(plan.stores.empty());
  ASSERT_EQ(plan.warnings.size(), 1U);
  EXPECT_EQ(plan.warnings[0], "local cache import at " + src +
                                " skipped due to err: could not read " + src +
                                "/index.json: open " + src +
                                "/index.json: no such file or directory");
}

TEST(PlanCache, LocalSourceTakesTheTaggedDigest)
{
  test::TempDir tmp;
  std::string dir = tmp.path().string();
  std::string hex(64, 'a');
  std::filesystem::create_directories(tmp.path() / "blobs" / "sha256");
  util::write_file_atomic(tmp.path() / "blobs" / "sha256" / hex, "{}", 0644);
  CachePlan exported = plan_cache({{}, {"type=local,dest=" + dir}}, {});
  tag_local_caches(exported, R"({"mediaType":"m","digest":"sha256:)" + hex +
                               R"(","size":2})");

  CachePlan plan = plan_cache({{"type=local,src=" + dir}, {}}, {});
  ASSERT_EQ(plan.imports.size(), 1U);
  EXPECT_EQ(plan.imports[0].attrs.at("digest"), "sha256:" + hex);
  EXPECT_EQ(plan.stores.at("local:" + dir), dir);
  EXPECT_EQ(cache_imports_attr(plan.imports),
            R"([{"Type":"local","Attrs":{"digest":"sha256:)" + hex +
              R"(","src":")" + dir + R"("}}])");

  CachePlan other = plan_cache({{"type=local,tag=v2,src=" + dir}, {}}, {});
  ASSERT_EQ(other.warnings.size(), 1U);
  EXPECT_EQ(other.warnings[0], "local cache import at " + dir +
                                 " skipped: no digest found for tag v2");
}

TEST(PlanCache, TaggingReplacesTheOldManifest)
{
  test::TempDir tmp;
  std::string dir = tmp.path().string();
  CachePlan plan = plan_cache({{}, {"type=local,dest=" + dir}}, {});
  tag_local_caches(plan, R"({"digest":"sha256:1","size":1})");
  tag_local_caches(plan, R"({"digest":"sha256:2","size":2})");
  EXPECT_EQ(util::read_file(tmp.path() / "index.json").value_or(""),
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.)"
            R"(index.v1+json","manifests":[{"digest":"sha256:2","size":2,)"
            R"("annotations":{"org.opencontainers.image.ref.name":)"
            R"("latest"}}]})");
  EXPECT_EQ(util::read_file(tmp.path() / "oci-layout").value_or(""),
            R"({"imageLayoutVersion":"1.0.0"})");
}

TEST(PlanCache, InlineCacheBuildArg)
{
  CachePlan on = plan_cache({}, {{"build-arg:BUILDKIT_INLINE_CACHE", "1"}});
  ASSERT_EQ(on.exports.size(), 1U);
  EXPECT_EQ(on.exports[0].type, "inline");
  CachePlan off = plan_cache({}, {{"build-arg:BUILDKIT_INLINE_CACHE", "no"}});
  EXPECT_TRUE(off.exports.empty());
}

} // namespace
} // namespace kiln::cli
