#include <gtest/gtest.h>

#include "kiln/driver/driver.h"
#include "kiln/util/error.h"

namespace kiln::driver {
namespace {

store::Node node(const std::string& endpoint,
                 std::map<std::string, std::string> opts = {})
{
  store::Node out;
  out.name = "b0";
  out.endpoint = endpoint;
  out.driver_opts = std::move(opts);
  return out;
}

// Returns the message `validate("remote", …)` fails with, or "" when the
// node is accepted.
std::string rejection(const store::Node& n,
                      const std::string& driver = "remote")
{
  try {
    validate(driver, n);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

const char* tcp = "tcp://bk.example.com:1234";

TEST(RemoteOptions, AcceptsPlainEndpoints)
{
  EXPECT_EQ(rejection(node("unix:///run/buildkit/buildkitd.sock")), "");
  EXPECT_EQ(rejection(node(tcp)), "");
  EXPECT_EQ(rejection(node("docker-container://bk")), "");
}

TEST(RemoteOptions, AcceptsMutualTls)
{
  EXPECT_EQ(rejection(node(tcp, {{"cacert", "/certs/ca.pem"},
                                 {"cert", "/certs/cert.pem"},
                                 {"key", "/certs/key.pem"},
                                 {"servername", "bk"}})),
            "");
}

TEST(RemoteOptions, AcceptsServerTlsWithCaOnly)
{
  EXPECT_EQ(rejection(node(tcp, {{"cacert", "/certs/ca.pem"}})), "");
}

TEST(RemoteOptions, DefaultLoadTakesGoBooleans)
{
  for (const char* value : {"true", "1", "t", "T", "TRUE", "True", "false", "0",
                            "f", "F", "FALSE", "False"}) {
    EXPECT_EQ(rejection(node(tcp, {{"default-load", value}})), "") << value;
  }
}

TEST(RemoteOptions, DefaultLoadIsReadByTheDriver)
{
  auto on = make_driver("remote", node(tcp, {{"default-load", "true"}}));
  auto off = make_driver("remote", node(tcp, {{"default-load", "false"}}));
  auto unset = make_driver("remote", node(tcp));

  EXPECT_TRUE(on->default_load());
  EXPECT_FALSE(off->default_load());
  EXPECT_FALSE(unset->default_load());
}

TEST(RemoteOptions, RejectsBadBoolean)
{
  EXPECT_EQ(rejection(node(tcp, {{"default-load", "yes"}})),
            R"(invalid value "yes" for driver option default-load: )"
            "expected true or false");
}

TEST(RemoteOptions, RejectsUnknownOption)
{
  EXPECT_EQ(rejection(node(tcp, {{"image", "moby/buildkit"}})),
            R"(invalid driver option "image" for remote driver)");
}

TEST(RemoteOptions, EachTlsOptionTurnsTlsOnAndNeedsCacert)
{
  EXPECT_EQ(rejection(node(tcp, {{"servername", "bk"}})),
            "tls enabled, but missing keys cacert");
  EXPECT_EQ(rejection(node(tcp, {{"cert", "/c.pem"}, {"key", "/k.pem"}})),
            "tls enabled, but missing keys cacert");
  EXPECT_EQ(rejection(node(tcp, {{"cert", "/c.pem"}})),
            "tls enabled, but missing keys cacert, key");
  EXPECT_EQ(rejection(node(tcp, {{"key", "/k.pem"}})),
            "tls enabled, but missing keys cacert, cert");
}

TEST(RemoteOptions, CertAndKeyGoTogether)
{
  EXPECT_EQ(rejection(node(tcp, {{"cacert", "/ca.pem"}, {"cert", "/c.pem"}})),
            "tls enabled, but missing keys key");
  EXPECT_EQ(rejection(node(tcp, {{"cacert", "/ca.pem"}, {"key", "/k.pem"}})),
            "tls enabled, but missing keys cert");
}

TEST(RemoteOptions, PathsMustBeAbsolute)
{
  EXPECT_EQ(rejection(node(tcp, {{"cacert", "certs/ca.pem"}})),
            R"(non-absolute path "certs/ca.pem" provided for cacert)");
  EXPECT_EQ(
    rejection(node(
      tcp, {{"cacert", "/ca.pem"}, {"cert", "./c.pem"}, {"key", "/k.pem"}})),
    R"(non-absolute path "./c.pem" provided for cert)");
  EXPECT_EQ(
    rejection(
      node(tcp, {{"cacert", "/ca.pem"}, {"cert", "/c.pem"}, {"key", "k.pem"}})),
    R"(non-absolute path "k.pem" provided for key)");
  EXPECT_EQ(rejection(node(tcp, {{"cacert", ""}})),
            R"(non-absolute path "" provided for cacert)");
}

TEST(RemoteOptions, TlsNeedsTcp)
{
  EXPECT_EQ(rejection(node("unix:///run/bk.sock", {{"cacert", "/ca.pem"}})),
            "tls driver options need a tcp:// endpoint, not "
            R"("unix:///run/bk.sock")");
  EXPECT_EQ(rejection(node("docker-container://bk",
                           {{"servername", "bk"}, {"cacert", "/ca.pem"}})),
            "tls driver options need a tcp:// endpoint, not "
            R"("docker-container://bk")");
}

TEST(RemoteOptions, BadEndpointComesFirst)
{
  EXPECT_EQ(rejection(node("tcp://bk", {{"image", "x"}})),
            R"(invalid endpoint "tcp://bk": missing port)");
}

TEST(RemoteOptions, UnknownDriver)
{
  EXPECT_EQ(rejection(node(tcp), "lambda"),
            R"(failed to find driver "lambda")");
  EXPECT_EQ(rejection(node(tcp), "docker-container"),
            R"(driver "docker-container" is not supported by kiln yet; )"
            "use --driver remote");
}

} // namespace
} // namespace kiln::driver
