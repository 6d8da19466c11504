#include <regex>

#include "cli_fixture.h"
#include "kiln/store/node_group.h"

namespace kiln::test {
namespace {

namespace fs = std::filesystem;

class CreateTest : public CliTest {};

TEST_F(CreateTest, PrintsTheNameAndWritesBuildxJson)
{
  RunResult result =
    ok({"create", "--name", "b1", "--driver", "remote", "unix:///tmp/x.sock"});

  EXPECT_EQ(result.out, "b1\n");
  EXPECT_EQ(instance("b1"),
            R"({"Name":"b1","Driver":"remote","Nodes":[{"Name":"b10",)"
            R"("Endpoint":"unix:///tmp/x.sock","Platforms":null,)"
            R"("DriverOpts":null,"Flags":null,"Files":null}],)"
            R"("Dynamic":false})");
  EXPECT_TRUE(fs::exists(store() / "activity" / "b1"));
  EXPECT_FALSE(fs::exists(store() / "current"));
}

TEST_F(CreateTest, DriverDefaultsToRemote)
{
  ok({"create", "--name", "b1", "tcp://bk:1234"});

  EXPECT_EQ(store::from_store_text(instance("b1")).driver, "remote");
}

TEST_F(CreateTest, GeneratesANameWhenNoneIsGiven)
{
  RunResult result = ok({"create", "unix:///tmp/x.sock"});

  static const std::regex shape("^[a-z]+_[a-z]+\n$");
  EXPECT_TRUE(std::regex_match(result.out, shape)) << result.out;
  std::string name = result.out.substr(0, result.out.size() - 1);
  store::NodeGroup group = store::from_store_text(instance(name));
  EXPECT_EQ(group.name, name);
  ASSERT_EQ(group.nodes.size(), 1u);
  EXPECT_EQ(group.nodes[0].name, name + "0");
}

TEST_F(CreateTest, UsesBuildkitHostWithoutEndpoint)
{
  m_kiln.set_env("BUILDKIT_HOST", "tcp://bk:1234");

  ok({"create", "--name", "b1"});

  EXPECT_EQ(store::from_store_text(instance("b1")).nodes[0].endpoint,
            "tcp://bk:1234");
}

TEST_F(CreateTest, KeepsTheCaseOfTheNameInAFileNamedLowercase)
{
  RunResult result = ok({"create", "--name", "MyBuilder", "unix:///a.sock"});
  ok({"create", "--name", "mybuilder", "--append", "unix:///b.sock"});

  EXPECT_EQ(result.out, "MyBuilder\n");
  EXPECT_FALSE(fs::exists(store() / "instances" / "MyBuilder"));
  store::NodeGroup group = store::from_store_text(instance("mybuilder"));
  EXPECT_EQ(group.name, "MyBuilder");
  ASSERT_EQ(group.nodes.size(), 2u);
  EXPECT_EQ(group.nodes[0].name, "mybuilder0");
  EXPECT_EQ(group.nodes[1].name, "mybuilder1");
}

TEST_F(CreateTest, StoresDriverOptionsAndPlatforms)
{
  ok({"create", "--name", "b1", "--driver-opt",
      "cacert=/c/ca.pem,cert=/c/cert.pem", "--driver-opt", "key=/c/key.pem",
      "--platform", "linux/amd64,linux/arm64", "--platform", "linux/amd64",
      "tcp://bk:1234"});

  store::Node node = store::from_store_text(instance("b1")).nodes.at(0);
  EXPECT_EQ(node.driver_opts,
            (std::map<std::string, std::string>{{"cacert", "/c/ca.pem"},
                                                {"cert", "/c/cert.pem"},
                                                {"key", "/c/key.pem"}}));
  ASSERT_EQ(node.platforms.size(), 2u);
  EXPECT_EQ(node.platforms[0].str(), "linux/amd64");
  EXPECT_EQ(node.platforms[1].str(), "linux/arm64");
}

TEST_F(CreateTest, AppendAddsTheNextNode)
{
  ok({"create", "--name", "b1", "unix:///tmp/x.sock"});

  RunResult result =
    ok({"create", "--name", "b1", "--append", "unix:///tmp/y.sock"});

  EXPECT_EQ(result.out, "b1\n");
  store::NodeGroup group = store::from_store_text(instance("b1"));
  ASSERT_EQ(group.nodes.size(), 2u);
  EXPECT_EQ(group.nodes[0].name, "b10");
  EXPECT_EQ(group.nodes[1].name, "b11");
  EXPECT_EQ(group.nodes[1].endpoint, "unix:///tmp/y.sock");
}

TEST_F(CreateTest, AppendWithAPlatformTakesItOffOtherNodes)
{
  ok({"create", "--name", "b1", "--platform", "linux/amd64,linux/arm64",
      "unix:///tmp/x.sock"});

  ok({"create", "--name", "b1", "--append", "--platform", "linux/arm64",
      "unix:///tmp/y.sock"});

  store::NodeGroup group = store::from_store_text(instance("b1"));
  ASSERT_EQ(group.nodes.size(), 2u);
  ASSERT_EQ(group.nodes[0].platforms.size(), 1u);
  EXPECT_EQ(group.nodes[0].platforms[0].str(), "linux/amd64");
  ASSERT_EQ(group.nodes[1].platforms.size(), 1u);
  EXPECT_EQ(group.nodes[1].platforms[0].str(), "linux/arm64");
}

TEST_F(CreateTest, NodeOptionUpdatesThatNode)
{
  ok({"create", "--name", "b1", "unix:///tmp/x.sock"});

  ok({"create", "--name", "b1", "--node", "b10", "unix:///tmp/z.sock"});

  store::NodeGroup group = store::from_store_text(instance("b1"));
  ASSERT_EQ(group.nodes.size(), 1u);
  EXPECT_EQ(group.nodes[0].endpoint, "unix:///tmp/z.sock");
}

TEST_F(CreateTest, LeaveRemovesANode)
{
  ok({"create", "--name", "b1", "unix:///tmp/x.sock"});
  ok({"create", "--name", "b1", "--append", "unix:///tmp/y.sock"});

  RunResult result = ok({"create", "--name", "b1", "--leave", "--node", "b10"});

  EXPECT_EQ(result.out, "");
  store::NodeGroup group = store::from_store_text(instance("b1"));
  ASSERT_EQ(group.nodes.size(), 1u);
  EXPECT_EQ(group.nodes[0].name, "b11");
}

TEST_F(CreateTest, UseMakesItCurrent)
{
  ok({"create", "--name", "b1", "--use", "unix:///tmp/x.sock"});

  EXPECT_EQ(slurp(store() / "current"),
            R"({"Key":"unix:///nonexistent","Name":"b1","Global":false})");
}

TEST_F(CreateTest, RejectsBadEndpoint)
{
  ok({"create", "--name", "b0", "unix:///tmp/x.sock"});

  rejected({"create", "--name", "b2", "tcp://host"},
           R"(invalid endpoint "tcp://host": missing port)");
  rejected({"create", "--name", "b2", "ssh://me:pw@host"},
           R"(invalid endpoint "ssh://***@host": a password in the URL is )"
           "not supported; use an SSH key");
}

TEST_F(CreateTest, RejectsRelativeCacert)
{
  rejected({"create", "--name", "b2", "--driver-opt", "cacert=ca.pem",
            "tcp://bk:1234"},
           R"(non-absolute path "ca.pem" provided for cacert)");
}

TEST_F(CreateTest, RejectsCertWithoutKey)
{
  rejected({"create", "--name", "b2", "--driver-opt",
            "cacert=/ca.pem,cert=/cert.pem", "tcp://bk:1234"},
           "tls enabled, but missing keys key");
}

TEST_F(CreateTest, RejectsTlsOverUnix)
{
  rejected({"create", "--name", "b2", "--driver-opt", "cacert=/ca.pem",
            "unix:///tmp/x.sock"},
           "tls driver options need a tcp:// endpoint, not "
           R"("unix:///tmp/x.sock")");
}

TEST_F(CreateTest, RejectsBadDriverOptionSyntax)
{
  rejected({"create", "--name", "b2", "--driver-opt", "cacert", "tcp://h:1"},
           R"(invalid value "cacert", expecting k=v)");
}

TEST_F(CreateTest, RejectsDuplicateNameWithoutAppend)
{
  ok({"create", "--name", "b1", "unix:///tmp/x.sock"});

  rejected({"create", "--name", "b1", "unix:///tmp/y.sock"},
           R"(existing instance for "b1" but no append mode, specify the )"
           "node name to make changes for existing instances");
  rejected({"create", "--name", "B1", "unix:///tmp/y.sock"},
           R"(existing instance for "B1" but no append mode, specify the )"
           "node name to make changes for existing instances");
}

TEST_F(CreateTest, RejectsDuplicateEndpoint)
{
  ok({"create", "--name", "b1", "unix:///tmp/x.sock"});

  rejected({"create", "--name", "b1", "--append", "unix:///tmp/x.sock"},
           R"(invalid duplicate endpoint "unix:///tmp/x.sock")");
}

TEST_F(CreateTest, RejectsUnknownNodeWithoutAppend)
{
  ok({"create", "--name", "b1", "unix:///tmp/x.sock"});

  rejected({"create", "--name", "b1", "--node", "other", "unix:///tmp/y.sock"},
           R"(node "other" not found, did you mean to append?)");
}

TEST_F(CreateTest, RejectsMismatchedDriver)
{
  ok({"create", "--name", "b1", "unix:///tmp/x.sock"});

  rejected({"create", "--name", "b1", "--append", "--driver",
            "docker-container", "unix:///tmp/y.sock"},
           R"(existing instance for "b1" but has mismatched driver "remote")");
}

TEST_F(CreateTest, RejectsReservedName)
{
  rejected({"create", "--name", "default", "unix:///tmp/x.sock"},
           "default is a reserved name and cannot be used to identify "
           "builder instance");
}

TEST_F(CreateTest, RejectsInvalidNames)
{
  rejected({"create", "--name", "9lives", "unix:///tmp/x.sock"},
           "invalid name 9lives, name needs to start with a letter and may "
           "not contain symbols, except ._-");
  rejected({"create", "--name", "b1", "--node", "a/b", "unix:///tmp/x.sock"},
           "invalid name a/b, name needs to start with a letter and may not "
           "contain symbols, except ._-");
}

TEST_F(CreateTest, RejectsMissingEndpoint)
{
  rejected({"create", "--name", "b1"}, "no remote endpoint provided");
}

TEST_F(CreateTest, RejectsAppendWithoutBuilder)
{
  rejected({"create", "--append", "unix:///tmp/x.sock"},
           "append requires a builder name");
  rejected({"create", "--name", "nope", "--append", "unix:///tmp/x.sock"},
           R"(failed to find instance "nope" for append)");
}

TEST_F(CreateTest, RejectsBadPlatform)
{
  rejected(
    {"create", "--name", "b1", "--platform", "toaster", "unix:///tmp/x.sock"},
    R"("toaster": unknown operating system or architecture: )"
    "invalid argument");
}

TEST_F(CreateTest, RejectsUnsupportedBuildkitdSettings)
{
  rejected({"create", "--name", "b1", "--buildkitd-flags", "--debug",
            "unix:///tmp/x.sock"},
           "setting buildkit flags is not supported for remote driver");
}

TEST_F(CreateTest, RejectsBadLeaves)
{
  ok({"create", "--name", "b1", "unix:///tmp/x.sock"});

  rejected({"create", "--leave", "--node", "b10"},
           "leave requires instance name");
  rejected({"create", "--name", "b1", "--leave"}, "leave requires node name");
  rejected({"create", "--name", "nope", "--leave", "--node", "x"},
           R"(failed to find instance "nope" for leave)");
  rejected({"create", "--name", "b1", "--leave", "--node", "zz"},
           R"(node "zz" not found for b1)");
  rejected({"create", "--name", "b1", "--leave", "--node", "b10"},
           "can not leave last node, do you want to rm instance instead?");
}

} // namespace
} // namespace kiln::test
