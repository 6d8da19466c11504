#include "kiln/cli/build_options.h"
#include "kiln/util/error.h"

#include <fstream>

#include <gtest/gtest.h>

#include "../support/temp_dir.h"

namespace kiln::cli {
namespace {

// Plans a build of an empty Dockerfile with `--network network`.
BuildPlan plan_network(const test::TempDir& dir, const std::string& network)
{
  std::ofstream(dir.path() / "Dockerfile") << "FROM scratch\n";
  BuildFlags flags;
  flags.context = dir.path().string();
  flags.network = network;
  return plan_build(flags, false);
}

TEST(BuildNetwork, HostNeedsItsEntitlement)
{
  test::TempDir dir;
  auto host = plan_network(dir, "host");
  EXPECT_EQ(host.frontend_attrs.at("force-network-mode"), "host");
  EXPECT_EQ(host.entitlements, std::vector<std::string>{"network.host"});

  auto none = plan_network(dir, "none");
  EXPECT_EQ(none.frontend_attrs.at("force-network-mode"), "none");
  EXPECT_TRUE(none.entitlements.empty());

  for (const char* mode : {"", "default"}) {
    auto plan = plan_network(dir, mode);
    EXPECT_FALSE(plan.frontend_attrs.contains("force-network-mode"));
    EXPECT_TRUE(plan.entitlements.empty());
  }
}

TEST(BuildNetwork, OtherModesAreRefused)
{
  test::TempDir dir;
  try {
    plan_network(dir, "bridge");
    FAIL() << "no error";
  } catch (const util::UserError& e) {
    EXPECT_STREQ(e.what(),
                 "network mode \"bridge\" not supported by buildkit - you can "
                 "define a custom network for your builder using the network "
                 "driver-opt in buildx create");
  }
}

} // namespace
} // namespace kiln::cli
