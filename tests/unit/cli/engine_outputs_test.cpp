#include "kiln/cli/engine_outputs.h"
#include "kiln/engine/push.h"
#include "kiln/util/base64.h"
#include "kiln/util/error.h"

#include <gtest/gtest.h>

namespace kiln::cli {
namespace {

const driver::EngineFeatures classic{false};
const driver::EngineFeatures containerd{true};

BuildPlan plan_with(std::vector<OutputSpec> outputs)
{
  BuildPlan plan;
  plan.frontend_attrs["filename"] = "Dockerfile";
  plan.outputs = std::move(outputs);
  return plan;
}

std::string error_of(BuildPlan plan, const driver::EngineFeatures& features)
{
  try {
    adapt_for_engine(plan, features);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

std::string refusal(const std::string& feature)
{
  return feature + " is not supported for the docker driver.\n"
                   "Switch to a different driver, or turn on the containerd "
                   "image store, and try again.\n"
                   "Learn more at https://docs.docker.com/go/build-exporters/";
}

TEST(AdaptForEngine, ImagesGoToTheEngineStore)
{
  auto plan = plan_with(
    {{"docker", "", {{"name", "app"}}}, {"image", "", {{"name", "app"}}}});
  adapt_for_engine(plan, classic);
  for (const auto& out : plan.outputs) {
    EXPECT_EQ(out.type, "moby");
    EXPECT_EQ(out.attrs.at("name"), "app");
    EXPECT_FALSE(out.attrs.contains("prefer-image-digest"));
    EXPECT_FALSE(out.is_stream());
    EXPECT_FALSE(out.is_dir());
  }
  EXPECT_EQ(plan.frontend_attrs.at("image-resolve-mode"), "local");
  EXPECT_EQ(plan.frontend_attrs.at("filename"), "Dockerfile");
}

TEST(AdaptForEngine, ContainerdStoreFindsImagesByDigest)
{
  auto plan = plan_with({{"docker", "", {}}});
  adapt_for_engine(plan, containerd);
  EXPECT_EQ(plan.outputs[0].type, "moby");
  EXPECT_EQ(plan.outputs[0].attrs.at("prefer-image-digest"), "true");
}

TEST(AdaptForEngine, FilesAndFoldersAreKept)
{
  auto plan = plan_with({{"local", "out", {}}, {"tar", "out.tar", {}}});
  adapt_for_engine(plan, classic);
  EXPECT_EQ(plan.outputs[0].type, "local");
  EXPECT_EQ(plan.outputs[1].type, "tar");
  EXPECT_EQ(plan.outputs[1].dest, "out.tar");
}

TEST(AdaptForEngine, TarballsOfImagesNeedTheContainerdStore)
{
  EXPECT_EQ(error_of(plan_with({{"oci", "x.tar", {}}}), classic),
            refusal("OCI exporter"));
  EXPECT_EQ(error_of(plan_with({{"docker", "x.tar", {}}}), classic),
            refusal("Docker exporter"));

  auto plan = plan_with({{"oci", "x.tar", {}}, {"docker", "y.tar", {}}});
  adapt_for_engine(plan, containerd);
  EXPECT_EQ(plan.outputs[0].type, "oci");
  EXPECT_EQ(plan.outputs[1].type, "docker");
  EXPECT_EQ(plan.outputs[1].dest, "y.tar");
}

TEST(SplitTag, PortIsNoTag)
{
  using Pair = std::pair<std::string, std::string>;
  EXPECT_EQ(engine::split_tag("app"), (Pair{"app", "latest"}));
  EXPECT_EQ(engine::split_tag("r:5000/app"), (Pair{"r:5000/app", "latest"}));
  EXPECT_EQ(engine::split_tag("r:5000/app:v1"), (Pair{"r:5000/app", "v1"}));
}

TEST(AdaptForEngine, Pushes)
{
  auto by_digest =
    plan_with({{"image", "", {{"push", "true"}, {"push-by-digest", "true"}}}});
  EXPECT_EQ(error_of(by_digest, containerd),
            "push-by-digest is currently not implemented for docker driver, "
            "please create a new builder instance");

  auto push = plan_with(
    {{"image", "", {{"push", "true"}, {"name", "r:5000/a,r:5000/a:v2"}}}});
  auto classic_push = push;
  EXPECT_EQ(adapt_for_engine(classic_push, classic),
            (std::vector<std::string>{"r:5000/a", "r:5000/a:v2"}));
  EXPECT_EQ(classic_push.outputs[0].type, "moby");
  EXPECT_FALSE(classic_push.outputs[0].attrs.contains("push"));
  EXPECT_EQ(error_of(plan_with({{"image", "", {{"push", "true"}}}}), classic),
            "tag is needed when pushing to registry");

  EXPECT_TRUE(adapt_for_engine(push, containerd).empty());
  EXPECT_EQ(push.outputs[0].type, "moby");
  EXPECT_EQ(push.outputs[0].attrs.at("push"), "true");
}

} // namespace
} // namespace kiln::cli

namespace kiln::cli {
namespace {

TEST(AdaptForEngine, MultiPlatformNeedsTheContainerdStore)
{
  BuildPlan plan = plan_with({OutputSpec{"image", "", {{"name", "app"}}}});
  plan.frontend_attrs["platform"] = "linux/amd64,linux/arm64";
  EXPECT_EQ(error_of(plan, classic),
            "Multi-platform build is not supported for the docker driver.\n"
            "Switch to a different driver, or turn on the containerd image "
            "store, and try again.\n"
            "Learn more at https://docs.docker.com/go/build-multi-platform/");
  EXPECT_EQ(error_of(plan, containerd), "");
  plan.frontend_attrs["platform"] = "linux/arm64";
  EXPECT_EQ(error_of(plan, classic), "");
}

TEST(RegistryOf, HostOrDockerHub)
{
  EXPECT_EQ(engine::registry_of("127.0.0.1:5000/app:v1"), "127.0.0.1:5000");
  EXPECT_EQ(engine::registry_of("localhost/app"), "localhost");
  EXPECT_EQ(engine::registry_of("ghcr.io/org/app"), "ghcr.io");
  EXPECT_EQ(engine::registry_of("org/app"), "registry-1.docker.io");
  EXPECT_EQ(engine::registry_of("app:v1"), "registry-1.docker.io");
}

TEST(RegistryAuth, LoginAsUrlSafeBase64Json)
{
  EXPECT_EQ(engine::registry_auth("", "", "r:5000"), "e30=");
  // {"password":"p?>","serveraddress":"r","username":"u"}: URL-safe.
  std::string auth = engine::registry_auth("u", "p?>", "r");
  EXPECT_EQ(auth.find_first_of("+/"), std::string::npos);
  std::string standard = auth;
  for (char& c : standard) {
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  EXPECT_EQ(util::decode_base64(standard).bytes,
            R"({"password":"p?>","serveraddress":"r","username":"u"})");
  std::string token = engine::registry_auth("", "tok", "r");
  for (char& c : token) {
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  EXPECT_EQ(util::decode_base64(token).bytes,
            R"({"identitytoken":"tok","serveraddress":"r"})");
}

} // namespace
} // namespace kiln::cli
