#include "kiln/cli/build_values.h"
#include "kiln/util/error.h"

#include <functional>
#include <stdexcept>

#include <gtest/gtest.h>

namespace kiln::cli {
namespace {

// Returns the message `fn` throws, or "" when it does not throw.
std::string error_of(const std::function<void()>& fn)
{
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(ParseLabels, KeysValuesAndEmptyKeys)
{
  auto labels = parse_labels({"a=1", "b", "c=x=y"});
  EXPECT_EQ(labels.at("a"), "1");
  EXPECT_EQ(labels.at("b"), "");
  EXPECT_EQ(labels.at("c"), "x=y");
  EXPECT_EQ(error_of([] { parse_labels({"=v"}); }),
            "invalid key-value pair \"=v\": empty key");
}

TEST(ParseAddHosts, FormsAndErrors)
{
  EXPECT_EQ(parse_add_hosts({"a:1.2.3.4", "b=::1", "c=[fe80::1],10.0.0.1"}),
            "a=1.2.3.4,b=::1,c=fe80::1,c=10.0.0.1");
  EXPECT_EQ(parse_add_hosts({}), "");
  EXPECT_EQ(error_of([] { parse_add_hosts({"nohost"}); }),
            "invalid host nohost");
  EXPECT_EQ(error_of([] { parse_add_hosts({"a:not-an-ip"}); }),
            "invalid host a:not-an-ip");
  EXPECT_EQ(error_of([] { parse_add_hosts({":1.2.3.4"}); }),
            "invalid host :1.2.3.4");
  EXPECT_EQ(error_of([] { parse_add_hosts({"gw:host-gateway"}); }),
            "unable to derive the IP value for host-gateway: host-gateway is "
            "not supported by the remote driver");
}

TEST(ParseRamBytes, BinaryUnits)
{
  EXPECT_EQ(parse_ram_bytes("1024"), 1024);
  EXPECT_EQ(parse_ram_bytes("64m"), 64 * 1024 * 1024);
  EXPECT_EQ(parse_ram_bytes("2k"), 2048);
  EXPECT_EQ(parse_ram_bytes("1.5KiB"), 1536);
  EXPECT_EQ(parse_ram_bytes("3 MB"), 3 * 1024 * 1024);
  EXPECT_EQ(parse_ram_bytes("7b"), 7);
  EXPECT_EQ(error_of([] { parse_ram_bytes("lots"); }), "invalid size: 'lots'");
  EXPECT_EQ(error_of([] { parse_ram_bytes("10x"); }), "invalid suffix: 'x'");
  EXPECT_EQ(error_of([] { parse_ram_bytes("10mbs"); }),
            "invalid suffix: 'mbs'");
}

TEST(ParseUlimits, SortedSoftHard)
{
  EXPECT_EQ(parse_ulimits({"nproc=10:20", "nofile=1024", "nproc=5"}),
            "nofile=1024:1024,nproc=5:5");
  EXPECT_EQ(parse_ulimits({"core=-1"}), "core=-1:-1");
  EXPECT_EQ(error_of([] { parse_ulimits({"nofile"}); }),
            "invalid argument \"nofile\" for \"--ulimit\" flag: invalid "
            "ulimit argument: nofile");
  EXPECT_EQ(error_of([] { parse_ulimits({"bogus=1"}); }),
            "invalid argument \"bogus=1\" for \"--ulimit\" flag: invalid "
            "ulimit type: bogus");
  EXPECT_EQ(error_of([] { parse_ulimits({"nofile=x"}); }),
            "invalid argument \"nofile=x\" for \"--ulimit\" flag: "
            "strconv.ParseInt: parsing \"x\": invalid syntax");
  EXPECT_EQ(error_of([] { parse_ulimits({"nofile=1:2:3"}); }),
            "invalid argument \"nofile=1:2:3\" for \"--ulimit\" flag: too "
            "many limit value arguments - 1:2:3, can only have up to two, "
            "`soft[:hard]`");
  EXPECT_EQ(error_of([] { parse_ulimits({"nofile=20:10"}); }),
            "invalid argument \"nofile=20:10\" for \"--ulimit\" flag: ulimit "
            "soft limit must be less than or equal to hard limit: 20 > 10");
}

TEST(NetworkMode, KnownModes)
{
  EXPECT_EQ(network_mode("default"), "");
  EXPECT_EQ(network_mode(""), "");
  EXPECT_EQ(network_mode("host"), "host");
  EXPECT_EQ(network_mode("none"), "none");
  EXPECT_EQ(error_of([] { network_mode("bridge"); }),
            "network mode \"bridge\" not supported by buildkit - you can "
            "define a custom network for your builder using the network "
            "driver-opt in buildx create");
}

TEST(ParseContextNames, ShortNamesAndErrors)
{
  auto names = parse_context_names(
    {"base=./dir", "docker.io/library/alpine:latest=docker-image://x",
     "reg.example:5000/team/img:v1=y", ""});
  ASSERT_EQ(names.size(), 3U);
  EXPECT_EQ(names.at("base"), "./dir");
  EXPECT_EQ(names.at("alpine"), "docker-image://x");
  EXPECT_EQ(names.at("reg.example:5000/team/img:v1"), "y");
  EXPECT_EQ(error_of([] { parse_context_names({"nothing"}); }),
            "invalid context value: nothing, expected key=value");
  EXPECT_EQ(error_of([] { parse_context_names({"Base=x"}); }),
            "invalid context name Base: invalid reference format: "
            "repository name (library/Base) must be lowercase");
  EXPECT_EQ(error_of([] { parse_context_names({"a b=x"}); }),
            "invalid context name a b: invalid reference format");
}

TEST(ChooseProgress, QuietAndEnvironment)
{
  auto plain = choose_progress("plain", false, "rawjson");
  EXPECT_EQ(plain.mode, "plain");
  EXPECT_FALSE(plain.print_id);
  EXPECT_EQ(choose_progress("auto", false, "rawjson").mode, "rawjson");
  EXPECT_EQ(choose_progress("auto", false, nullptr).mode, "auto");
  auto q = choose_progress("auto", true, "plain");
  EXPECT_EQ(q.mode, "quiet");
  EXPECT_TRUE(q.print_id);
  EXPECT_TRUE(choose_progress("quiet", false, nullptr).print_id);
  auto none = choose_progress("none", false, nullptr);
  EXPECT_EQ(none.mode, "quiet");
  EXPECT_FALSE(none.print_id);
  EXPECT_EQ(error_of([] { choose_progress("plain", true, nullptr); }),
            "progress=plain and quiet cannot be used together");
}

} // namespace
} // namespace kiln::cli
