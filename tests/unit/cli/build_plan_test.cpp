#include "kiln/cli/build_options.h"
#include "kiln/util/error.h"

#include <fstream>

#include <gtest/gtest.h>

#include "../support/temp_dir.h"

namespace kiln::cli {
namespace {

// A context folder with a Dockerfile, and flags that build it.
class PlanTest : public ::testing::Test {
protected:
  void SetUp() override
  {
    std::ofstream(m_dir.path() / "Dockerfile") << "FROM scratch\n";
    flags.context = m_dir.path().string();
  }

  std::string error_of(bool default_load = false)
  {
    try {
      plan_build(flags, default_load);
    } catch (const util::UserError& e) {
      return e.what();
    }
    return "";
  }

  BuildFlags flags;

private:
  test::TempDir m_dir;
};

TEST_F(PlanTest, FrontendAttributesOfTheNewFlags)
{
  flags.platforms = {"linux/amd64,linux/arm64", "linux/arm/v7"};
  flags.labels = {"org.example=1", "empty"};
  flags.pull = true;
  flags.network = "host";
  flags.add_hosts = {"db:10.0.0.2"};
  flags.shm_size = "64m";
  flags.ulimits = {"nofile=1024:2048"};
  BuildPlan plan = plan_build(flags, false);
  const auto& attrs = plan.frontend_attrs;
  EXPECT_EQ(attrs.at("platform"), "linux/amd64,linux/arm64,linux/arm/v7");
  EXPECT_EQ(attrs.at("label:org.example"), "1");
  EXPECT_EQ(attrs.at("label:empty"), "");
  EXPECT_EQ(attrs.at("image-resolve-mode"), "pull");
  EXPECT_EQ(attrs.at("force-network-mode"), "host");
  EXPECT_EQ(attrs.at("add-hosts"), "db=10.0.0.2");
  EXPECT_EQ(attrs.at("shm-size"), "67108864");
  EXPECT_EQ(attrs.at("ulimit"), "nofile=1024:2048");
  EXPECT_EQ(plan.entitlements, std::vector<std::string>{"network.host"});
}

TEST_F(PlanTest, NoneNetworkNeedsNoEntitlement)
{
  flags.network = "none";
  BuildPlan plan = plan_build(flags, false);
  EXPECT_EQ(plan.frontend_attrs.at("force-network-mode"), "none");
  EXPECT_TRUE(plan.entitlements.empty());
  EXPECT_EQ(plan.frontend_attrs.count("platform"), 0U);
}

TEST_F(PlanTest, PushAddsARegistryOutput)
{
  flags.push = true;
  flags.tags = {"127.0.0.1:5000/a:1"};
  BuildPlan plan = plan_build(flags, true);
  ASSERT_EQ(plan.outputs.size(), 1U);
  EXPECT_EQ(plan.outputs[0].type, "image");
  EXPECT_EQ(plan.outputs[0].attrs.at("push"), "true");
  EXPECT_EQ(plan.outputs[0].attrs.at("unpack"), "false");
  EXPECT_EQ(plan.outputs[0].attrs.at("name"), "127.0.0.1:5000/a:1");
}

TEST_F(PlanTest, PushMarksAnImageOutputAndLoadAddsDocker)
{
  flags.push = true;
  flags.load = true;
  flags.tags = {"x"};
  flags.outputs = {"type=image,unpack=true"};
  BuildPlan plan = plan_build(flags, false);
  ASSERT_EQ(plan.outputs.size(), 2U);
  EXPECT_EQ(plan.outputs[0].type, "image");
  EXPECT_EQ(plan.outputs[0].attrs.at("push"), "true");
  EXPECT_EQ(plan.outputs[0].attrs.at("unpack"), "true");
  EXPECT_EQ(plan.outputs[1].type, "docker");
}

TEST_F(PlanTest, LoadReusesADockerOutputWithoutDest)
{
  flags.load = true;
  flags.outputs = {"type=docker"};
  EXPECT_EQ(plan_build(flags, false).outputs.size(), 1U);
}

TEST_F(PlanTest, BadValuesAreNamed)
{
  flags.push = true;
  EXPECT_EQ(error_of(), "tag is needed when pushing to registry");
  flags.push = false;

  flags.platforms = {"linux/amd64,foo/bar/baz/qux"};
  EXPECT_EQ(error_of(), "\"foo/bar/baz/qux\": cannot parse platform "
                        "specifier: invalid argument");
  flags.platforms = {"linux/amd64,linux/arm64"};
  flags.load = true;
  EXPECT_EQ(error_of(), "docker exporter does not currently support "
                        "exporting manifest lists");
  flags.platforms.clear();
  flags.load = false;

  flags.shm_size = "lots";
  EXPECT_EQ(error_of(), "invalid argument \"lots\" for \"--shm-size\" flag: "
                        "invalid size: 'lots'");
  flags.shm_size.clear();
  flags.network = "bridge";
  EXPECT_NE(error_of().find("network mode \"bridge\" not supported"),
            std::string::npos);
  flags.network = "default";
  flags.add_hosts = {"db"};
  EXPECT_EQ(error_of(), "invalid host db");
  flags.add_hosts.clear();
  flags.labels = {"=x"};
  EXPECT_EQ(error_of(), "invalid key-value pair \"=x\": empty key");
}

} // namespace
} // namespace kiln::cli
