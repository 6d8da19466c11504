#include "kiln/store/node_group.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace kiln::store {
namespace {

// Returns what `from_store_text(text)` fails with, or "" on success.
std::string rejection(const std::string& text)
{
  try {
    from_store_text(text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

NodeGroup sample()
{
  NodeGroup group;
  group.name = "b";
  group.driver = "remote";
  Node node;
  node.name = "b0";
  node.endpoint = "tcp://bk:1234";
  node.platforms = {parse_platform("linux/arm/v7"),
                    parse_platform("linux/amd64")};
  node.driver_opts = {{"servername", "bk"}, {"cacert", "/ca.pem"}};
  node.flags = {"--debug"};
  node.files = {{"buildkitd.toml", "debug = true\n"}};
  group.nodes.push_back(node);
  return group;
}

TEST(StoreText, EmptyBuilderAsGoWritesIt)
{
  NodeGroup group;
  group.name = "b";
  group.driver = "remote";

  EXPECT_EQ(to_store_text(group),
            R"({"Name":"b","Driver":"remote","Nodes":null,"Dynamic":false})");
}

TEST(StoreText, NilSlicesAndMapsAreNull)
{
  NodeGroup group;
  group.name = "b";
  group.driver = "remote";
  group.nodes.push_back({});
  group.nodes[0].name = "b0";
  group.nodes[0].endpoint = "unix:///tmp/x.sock";

  EXPECT_EQ(to_store_text(group),
            R"({"Name":"b","Driver":"remote","Nodes":[{"Name":"b0",)"
            R"("Endpoint":"unix:///tmp/x.sock","Platforms":null,)"
            R"("DriverOpts":null,"Flags":null,"Files":null}],)"
            R"("Dynamic":false})");
}

TEST(StoreText, FullNodeInGoFieldOrder)
{
  EXPECT_EQ(to_store_text(sample()),
            R"({"Name":"b","Driver":"remote","Nodes":[{"Name":"b0",)"
            R"("Endpoint":"tcp://bk:1234","Platforms":[{"architecture":)"
            R"("arm","os":"linux","variant":"v7"},{"architecture":"amd64",)"
            R"("os":"linux"}],"DriverOpts":{"cacert":"/ca.pem",)"
            R"("servername":"bk"},"Flags":["--debug"],"Files":)"
            R"({"buildkitd.toml":"ZGVidWcgPSB0cnVlCg=="}}],"Dynamic":false})");
}

TEST(StoreText, WindowsPlatformFields)
{
  NodeGroup group;
  group.name = "w";
  group.nodes.push_back({});
  group.nodes[0].platforms = {
    parse_platform("windows(10.0.17763+win32k)/amd64")};

  EXPECT_EQ(to_store_text(group),
            R"({"Name":"w","Driver":"","Nodes":[{"Name":"","Endpoint":"",)"
            R"("Platforms":[{"architecture":"amd64","os":"windows",)"
            R"("os.version":"10.0.17763","os.features":["win32k"]}],)"
            R"("DriverOpts":null,"Flags":null,"Files":null}],)"
            R"("Dynamic":false})");
}

TEST(StoreText, EscapesAsGo)
{
  NodeGroup group;
  group.name = "b";
  group.driver = "<&>\u2028\u2029\"\\\n\t\x01\b\f";

  EXPECT_EQ(to_store_text(group),
            R"({"Name":"b","Driver":"\u003c\u0026\u003e\u2028\u2029)"
            R"(\"\\\n\t\u0001\b\f","Nodes":null,"Dynamic":false})");
}

TEST(StoreText, InvalidUtf8BecomesTheReplacementEscape)
{
  NodeGroup group;
  group.name = "b";
  group.driver = "a\xff"
                 "b";

  EXPECT_EQ(to_store_text(group),
            R"({"Name":"b","Driver":"a\ufffdb","Nodes":null,)"
            R"("Dynamic":false})");
}

TEST(StoreText, Base64OfEveryLength)
{
  for (const auto& [data, encoded] :
       std::vector<std::pair<std::string, std::string>>{
         {"", ""},
         {"f", "Zg=="},
         {"fo", "Zm8="},
         {"foo", "Zm9v"},
         {std::string("\0\xff", 2), "AP8="}}) {
    NodeGroup group;
    group.nodes.push_back({});
    group.nodes[0].files = {{"f", data}};

    std::string text = to_store_text(group);
    NodeGroup back = from_store_text(text);

    EXPECT_NE(text.find("\"f\":\"" + encoded + "\""), std::string::npos)
      << text;
    EXPECT_EQ(back.nodes[0].files.at("f"), data);
  }
}

TEST(StoreText, RoundTrip)
{
  NodeGroup group = sample();
  group.dynamic = true;

  NodeGroup back = from_store_text(to_store_text(group));

  EXPECT_EQ(back.name, group.name);
  EXPECT_EQ(back.driver, group.driver);
  EXPECT_TRUE(back.dynamic);
  ASSERT_EQ(back.nodes.size(), 1u);
  EXPECT_EQ(back.nodes[0].name, "b0");
  EXPECT_EQ(back.nodes[0].endpoint, "tcp://bk:1234");
  EXPECT_EQ(back.nodes[0].platforms, group.nodes[0].platforms);
  EXPECT_EQ(back.nodes[0].driver_opts, group.nodes[0].driver_opts);
  EXPECT_EQ(back.nodes[0].flags, group.nodes[0].flags);
  EXPECT_EQ(back.nodes[0].files, group.nodes[0].files);
  EXPECT_EQ(to_store_text(back), to_store_text(group));
}

TEST(StoreText, FieldNamesMatchIgnoringCaseAndNullsAreZero)
{
  NodeGroup group =
    from_store_text(R"({"name":"b","DRIVER":"remote","nodes":[{"name":"b0",)"
                    R"("endpoint":"unix:///x","Platforms":null,"Flags":[null],)"
                    R"("DriverOpts":{"k":null}}],"Dynamic":null})");

  EXPECT_EQ(group.name, "b");
  EXPECT_EQ(group.driver, "remote");
  ASSERT_EQ(group.nodes.size(), 1u);
  EXPECT_EQ(group.nodes[0].name, "b0");
  EXPECT_EQ(group.nodes[0].endpoint, "unix:///x");
  EXPECT_EQ(group.nodes[0].flags, std::vector<std::string>{""});
  EXPECT_EQ(group.nodes[0].driver_opts.at("k"), "");
  EXPECT_FALSE(group.dynamic);
  EXPECT_TRUE(group.extra.empty());
}

TEST(StoreText, ExactNameWinsOverCaseInsensitiveMatch)
{
  NodeGroup group = from_store_text(R"({"name":"low","Name":"exact"})");

  EXPECT_EQ(group.name, "exact");
}

TEST(StoreText, UnknownMembersAreKeptLast)
{
  NodeGroup group = from_store_text(
    R"({"Zeta":1,"Name":"b","Alpha":[true],"Nodes":[{"Hint":"x",)"
    R"("Name":"b0"}]})");

  EXPECT_EQ(to_store_text(group),
            R"({"Name":"b","Driver":"","Nodes":[{"Name":"b0","Endpoint":"",)"
            R"("Platforms":null,"DriverOpts":null,"Flags":null,)"
            R"("Files":null,"Hint":"x"}],"Dynamic":false,"Alpha":[true],)"
            R"("Zeta":1})");
}

TEST(StoreText, RejectsWrongTypes)
{
  EXPECT_EQ(rejection("[]"), "a builder must be an object, not array");
  EXPECT_EQ(rejection(R"({"Name":1})"),
            R"("Name" must be a string, not number)");
  EXPECT_EQ(rejection(R"({"Nodes":{}})"),
            R"("Nodes" must be an array, not object)");
  EXPECT_EQ(rejection(R"({"Dynamic":"yes"})"),
            R"("Dynamic" must be a boolean, not string)");
  EXPECT_EQ(rejection(R"({"Nodes":[1]})"),
            R"("Nodes[0]" must be an object, not number)");
  EXPECT_EQ(rejection(R"({"Nodes":[{"Platforms":[{"os":3}]}]})"),
            R"("Nodes[0].Platforms[0].os" must be a string, not number)");
  EXPECT_EQ(rejection(R"({"Nodes":[{"DriverOpts":{"k":1}}]})"),
            R"("Nodes[0].DriverOpts.k" must be a string, not number)");
  EXPECT_EQ(rejection(R"({"Nodes":[{},{"Flags":[false]}]})"),
            R"("Nodes[1].Flags[0]" must be a string, not boolean)");
}

TEST(StoreText, RejectsBadBase64)
{
  EXPECT_EQ(rejection(R"({"Nodes":[{"Files":{"a":"Zg="}}]})"),
            R"("Nodes[0].Files.a" is not valid base64)");
  EXPECT_EQ(rejection(R"({"Nodes":[{"Files":{"a":"Z=g="}}]})"),
            R"("Nodes[0].Files.a" is not valid base64)");
  EXPECT_EQ(rejection(R"({"Nodes":[{"Files":{"a":"Zg!!"}}]})"),
            R"("Nodes[0].Files.a" is not valid base64)");
}

TEST(StoreText, RejectsBrokenJson)
{
  EXPECT_EQ(rejection(R"({"Name":)"),
            "parse error at line 1, column 9: syntax error while parsing "
            "value - unexpected end of input; "
            "expected '[', '{', or a literal");
}

TEST(NodeGroup, FindNode)
{
  NodeGroup group = sample();

  ASSERT_NE(group.find_node("b0"), nullptr);
  EXPECT_EQ(group.find_node("b0")->endpoint, "tcp://bk:1234");
  EXPECT_EQ(group.find_node("B0"), nullptr);
}

} // namespace
} // namespace kiln::store
