#include "kiln/cli/build_node.h"

#include <gtest/gtest.h>

namespace kiln::cli {
namespace {

NodeCandidate node(bool running, int active,
                   std::vector<std::string> platforms = {"linux/amd64"})
{
  NodeCandidate c;
  c.status.running = running;
  c.active = active;
  for (const auto& p : platforms) {
    c.status.platforms.push_back(store::parse_platform(p));
  }
  return c;
}

TEST(PickNode, IdleNodesGoInBuilderOrder)
{
  EXPECT_EQ(pick_node({node(true, 0), node(true, 0)}, {}), 0U);
}

TEST(PickNode, BusyNodeLosesToIdleOne)
{
  EXPECT_EQ(pick_node({node(true, 2), node(true, 1), node(true, 1)}, {}), 1U);
}

TEST(PickNode, DownNodesAreSkipped)
{
  EXPECT_EQ(pick_node({node(false, -1), node(true, 3)}, {}), 1U);
  EXPECT_FALSE(pick_node({node(false, -1), node(false, -1)}, {}));
}

TEST(PickNode, SilentDaemonCountsAsIdle)
{
  EXPECT_EQ(pick_node({node(true, 1), node(true, -1)}, {}), 1U);
}

TEST(PickNode, WantedPlatformBeatsLoad)
{
  auto arm = store::parse_platforms({"linux/arm64"});
  EXPECT_EQ(pick_node({node(true, 0), node(true, 4, {"linux/arm64"})}, arm),
            1U);
}

TEST(PickNode, ConfiguredPlatformsCount)
{
  NodeCandidate arm = node(true, 1, {});
  arm.configured = store::parse_platforms({"linux/arm64"});
  EXPECT_EQ(
    pick_node({node(true, 0), arm}, store::parse_platforms({"linux/arm64"})),
    1U);
}

TEST(PickNode, NoNodeWithThePlatformFallsBackToAnyRunning)
{
  auto riscv = store::parse_platforms({"linux/riscv64"});
  EXPECT_EQ(pick_node({node(false, -1), node(true, 2), node(true, 1)}, riscv),
            2U);
}

TEST(PickNode, VariantMustMatchWhenGiven)
{
  auto v7 = store::parse_platforms({"linux/arm/v7"});
  EXPECT_EQ(
    pick_node(
      {node(true, 0, {"linux/arm/v6"}), node(true, 3, {"linux/arm/v7"})}, v7),
    1U);
}

} // namespace
} // namespace kiln::cli
