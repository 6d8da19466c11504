#include <gtest/gtest.h>

#include "kiln/store/node_group.h"
#include "kiln/util/error.h"

namespace kiln::store {
namespace {

std::string parsed(const std::string& text)
{
  return parse_platform(text).str();
}

std::string rejection(const std::string& text)
{
  try {
    parse_platform(text);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(Platform, OsArchAndVariant)
{
  Platform p = parse_platform("linux/arm64/v9");

  EXPECT_EQ(p.os, "linux");
  EXPECT_EQ(p.architecture, "arm64");
  EXPECT_EQ(p.variant, "v9");
  EXPECT_EQ(p.str(), "linux/arm64/v9");
}

TEST(Platform, NormalisedAsContainerd)
{
  EXPECT_EQ(parsed("linux/amd64"), "linux/amd64");
  EXPECT_EQ(parsed("LINUX/AMD64"), "linux/amd64");
  EXPECT_EQ(parsed("linux/x86_64"), "linux/amd64");
  EXPECT_EQ(parsed("linux/x86-64"), "linux/amd64");
  EXPECT_EQ(parsed("linux/amd64/v1"), "linux/amd64");
  EXPECT_EQ(parsed("linux/amd64/v3"), "linux/amd64/v3");
  EXPECT_EQ(parsed("linux/aarch64"), "linux/arm64");
  EXPECT_EQ(parsed("linux/arm64/v8"), "linux/arm64");
  EXPECT_EQ(parsed("linux/arm64/9"), "linux/arm64/v9");
  EXPECT_EQ(parsed("linux/arm"), "linux/arm/v7");
  EXPECT_EQ(parsed("linux/arm/6"), "linux/arm/v6");
  EXPECT_EQ(parsed("linux/armhf"), "linux/arm/v7");
  EXPECT_EQ(parsed("linux/armel"), "linux/arm/v6");
  EXPECT_EQ(parsed("linux/i386"), "linux/386");
  EXPECT_EQ(parsed("macos/arm64"), "darwin/arm64");
  EXPECT_EQ(parsed("linux/riscv64"), "linux/riscv64");
}

TEST(Platform, ArchitectureAloneMeansLinux)
{
  EXPECT_EQ(parsed("arm64"), "linux/arm64");
  EXPECT_EQ(parsed("aarch64"), "linux/arm64");
  EXPECT_EQ(parsed("armhf"), "linux/arm/v7");
}

TEST(Platform, OsAloneAndLocalMeanThisMachine)
{
  Platform host = host_platform();

  EXPECT_EQ(parse_platform("local"), host);
  EXPECT_EQ(parse_platform("LOCAL"), host);
  EXPECT_EQ(parse_platform("linux"), host);
  EXPECT_EQ(host.os, "linux");
  EXPECT_FALSE(host.architecture.empty());
}

TEST(Platform, WindowsVersionAndFeatures)
{
  Platform p = parse_platform("windows(10.0.17763+win32k+a%2Bb+win32k)/amd64");

  EXPECT_EQ(p.os, "windows");
  EXPECT_EQ(p.os_version, "10.0.17763");
  EXPECT_EQ(p.os_features, (std::vector<std::string>{"a+b", "win32k"}));
  EXPECT_EQ(p.str(), "windows/amd64");
}

TEST(Platform, UnknownPlatformPrintsAsUnknown)
{
  EXPECT_EQ(Platform().str(), "unknown");
}

TEST(Platform, RejectsWildcards)
{
  EXPECT_EQ(rejection("linux/*"),
            R"("linux/*": wildcards not yet supported: invalid argument)");
}

TEST(Platform, RejectsUnknownSingleComponent)
{
  EXPECT_EQ(rejection("toaster"),
            R"("toaster": unknown operating system or architecture: )"
            "invalid argument");
}

TEST(Platform, RejectsTooManyComponents)
{
  EXPECT_EQ(rejection("linux/arm/v7/x"),
            R"("linux/arm/v7/x": cannot parse platform specifier: invalid )"
            "argument");
}

TEST(Platform, RejectsBadComponents)
{
  EXPECT_EQ(rejection("linux/am d64"),
            R"("am d64" is an invalid component of "linux/am d64": platform )"
            R"(specifier component must match "^[A-Za-z0-9_.-]+$": invalid )"
            "argument");
  EXPECT_EQ(rejection("linux//v7"),
            R"("" is an invalid component of "linux//v7": platform )"
            R"(specifier component must match "^[A-Za-z0-9_.-]+$": invalid )"
            "argument");
  EXPECT_EQ(rejection("lin ux/amd64"),
            R"("lin ux" is an invalid OS component of "lin ux/amd64": )"
            R"(OSAndVersion specifier component must match "^([A-Za-z0-9_-]+))"
            R"((?:\\(([A-Za-z0-9_.%-]*)((?:\\+[A-Za-z0-9_.%-]+)*)\\))?$": )"
            "invalid argument");
}

TEST(Platform, RejectsBadEscapes)
{
  EXPECT_EQ(rejection("windows(10%zz)/amd64"),
            R"("windows(10%zz)/amd64" has an invalid OS version "10%zz": )"
            R"(invalid URL escape "%zz")");
}

TEST(Platforms, CommaListsAndRepeatedFlags)
{
  std::vector<Platform> all =
    parse_platforms({"linux/amd64,linux/arm64", "linux/arm/v7"});

  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].str(), "linux/amd64");
  EXPECT_EQ(all[1].str(), "linux/arm64");
  EXPECT_EQ(all[2].str(), "linux/arm/v7");
}

} // namespace
} // namespace kiln::store
