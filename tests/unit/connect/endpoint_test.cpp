#include "kiln/connect/endpoint.h"

#include <gtest/gtest.h>

#include "kiln/util/error.h"

namespace kiln::connect {
namespace {

// Returns the message `parse_endpoint(text)` fails with, or "" when it
// accepts the endpoint.
std::string rejection(const std::string& text)
{
  try {
    parse_endpoint(text);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseEndpoint, UnixSocket)
{
  Endpoint ep = parse_endpoint("unix:///run/buildkit/buildkitd.sock");

  EXPECT_EQ(ep.scheme, Scheme::unix_socket);
  EXPECT_EQ(ep.path, "/run/buildkit/buildkitd.sock");
  EXPECT_EQ(ep.raw, "unix:///run/buildkit/buildkitd.sock");
  EXPECT_EQ(ep.host, "");
  EXPECT_STREQ(to_string(ep.scheme), "unix");
}

TEST(ParseEndpoint, UnixSocketPercentEscapes)
{
  EXPECT_EQ(parse_endpoint("unix:///tmp/a%20b.sock").path, "/tmp/a b.sock");
}

TEST(ParseEndpoint, TcpHostAndPort)
{
  Endpoint ep = parse_endpoint("tcp://buildkit.example.com:1234");

  EXPECT_EQ(ep.scheme, Scheme::tcp);
  EXPECT_EQ(ep.host, "buildkit.example.com");
  EXPECT_EQ(ep.port, 1234);
  EXPECT_EQ(ep.path, "");
  EXPECT_EQ(ep.host_port(), "buildkit.example.com:1234");
}

TEST(ParseEndpoint, TcpTrailingSlashIsDropped)
{
  Endpoint ep = parse_endpoint("tcp://10.0.0.1:65535/");

  EXPECT_EQ(ep.host, "10.0.0.1");
  EXPECT_EQ(ep.port, 65535);
  EXPECT_EQ(ep.path, "");
}

TEST(ParseEndpoint, TcpIpv6InBrackets)
{
  Endpoint ep = parse_endpoint("tcp://[::1]:1234");

  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(ep.port, 1234);
  EXPECT_EQ(ep.host_port(), "[::1]:1234");
}

TEST(ParseEndpoint, DockerContainer)
{
  Endpoint plain = parse_endpoint("docker-container://buildkitd");
  Endpoint with_context =
    parse_endpoint("docker-container://buildkitd?context=remote-box");

  EXPECT_EQ(plain.scheme, Scheme::docker_container);
  EXPECT_EQ(plain.host, "buildkitd");
  EXPECT_TRUE(plain.query.empty());
  EXPECT_EQ(with_context.host, "buildkitd");
  EXPECT_EQ(with_context.query.at("context"), "remote-box");
  EXPECT_STREQ(to_string(with_context.scheme), "docker-container");
}

TEST(ParseEndpoint, KubePodWithNamespaceAndContainer)
{
  Endpoint ep = parse_endpoint(
    "kube-pod://buildkitd-0.sub?namespace=builds&container=buildkitd");

  EXPECT_EQ(ep.scheme, Scheme::kube_pod);
  EXPECT_EQ(ep.host, "buildkitd-0.sub");
  EXPECT_EQ(ep.query.at("namespace"), "builds");
  EXPECT_EQ(ep.query.at("container"), "buildkitd");
  EXPECT_STREQ(to_string(ep.scheme), "kube-pod");
}

TEST(ParseEndpoint, SshWithUserPortAndSocket)
{
  Endpoint ep =
    parse_endpoint("ssh://builder@build.example.com:2222/run/bk.sock");

  EXPECT_EQ(ep.scheme, Scheme::ssh);
  EXPECT_EQ(ep.user, "builder");
  EXPECT_EQ(ep.host, "build.example.com");
  EXPECT_EQ(ep.port, 2222);
  EXPECT_EQ(ep.path, "/run/bk.sock");
}

TEST(ParseEndpoint, SshHostOnly)
{
  Endpoint ep = parse_endpoint("ssh://build.example.com");

  EXPECT_EQ(ep.user, "");
  EXPECT_EQ(ep.host, "build.example.com");
  EXPECT_EQ(ep.port, 0);
  EXPECT_EQ(ep.path, "");
}

TEST(ParseEndpoint, RejectsMissingScheme)
{
  EXPECT_EQ(rejection("/run/buildkit.sock"),
            R"(invalid endpoint "/run/buildkit.sock": )"
            "expected scheme://address");
  EXPECT_EQ(rejection(""), R"(invalid endpoint "": expected scheme://address)");
}

TEST(ParseEndpoint, RejectsUnknownScheme)
{
  EXPECT_EQ(rejection("http://host:80"),
            R"(unrecognized url scheme "http" in endpoint "http://host:80")");
}

TEST(ParseEndpoint, RejectsNpipe)
{
  EXPECT_EQ(rejection("npipe:////./pipe/buildkitd"),
            R"(invalid endpoint "npipe:////./pipe/buildkitd": )"
            "npipe endpoints exist only on Windows");
}

TEST(ParseEndpoint, RejectsTcpWithoutPort)
{
  EXPECT_EQ(rejection("tcp://host"),
            R"(invalid endpoint "tcp://host": missing port)");
  EXPECT_EQ(rejection("tcp://[::1]"),
            R"(invalid endpoint "tcp://[::1]": missing port)");
  EXPECT_EQ(rejection("tcp://host:"),
            R"(invalid endpoint "tcp://host:": invalid port "")");
}

TEST(ParseEndpoint, RejectsBadPorts)
{
  EXPECT_EQ(rejection("tcp://host:0"),
            R"(invalid endpoint "tcp://host:0": invalid port "0")");
  EXPECT_EQ(rejection("tcp://host:65536"),
            R"(invalid endpoint "tcp://host:65536": invalid port "65536")");
  EXPECT_EQ(rejection("tcp://host:12ab"),
            R"(invalid endpoint "tcp://host:12ab": invalid port "12ab")");
  EXPECT_EQ(rejection("tcp://host:-1"),
            R"(invalid endpoint "tcp://host:-1": invalid port "-1")");
}

TEST(ParseEndpoint, RejectsTcpWithoutHost)
{
  EXPECT_EQ(rejection("tcp://:1234"),
            R"(invalid endpoint "tcp://:1234": missing host)");
}

TEST(ParseEndpoint, RejectsTcpPath)
{
  EXPECT_EQ(rejection("tcp://host:1234/x"),
            R"(invalid endpoint "tcp://host:1234/x": unexpected path "/x")");
}

TEST(ParseEndpoint, RejectsBrokenIpv6)
{
  EXPECT_EQ(rejection("tcp://[::1:1234"),
            R"(invalid endpoint "tcp://[::1:1234": unterminated IPv6 address)");
  EXPECT_EQ(rejection("tcp://[::1]x1234"),
            R"(invalid endpoint "tcp://[::1]x1234": unexpected "x1234" after )"
            "the host");
}

TEST(ParseEndpoint, RejectsRelativeUnixPath)
{
  EXPECT_EQ(rejection("unix://run/buildkit.sock"),
            R"(invalid endpoint "unix://run/buildkit.sock": socket path )"
            R"("run/buildkit.sock" is not absolute)");
  EXPECT_EQ(rejection("unix://"),
            R"(invalid endpoint "unix://": missing socket path)");
}

TEST(ParseEndpoint, RejectsBadPercentEscape)
{
  EXPECT_EQ(rejection("unix:///tmp/a%zz"),
            R"(invalid endpoint "unix:///tmp/a%zz": bad percent escape in )"
            R"("/tmp/a%zz")");
  EXPECT_EQ(rejection("unix:///tmp/a%2"),
            R"(invalid endpoint "unix:///tmp/a%2": bad percent escape in )"
            R"("/tmp/a%2")");
}

TEST(ParseEndpoint, RejectsUserInfoOutsideSsh)
{
  EXPECT_EQ(rejection("tcp://me@host:1234"),
            R"(invalid endpoint "tcp://***@host:1234": user info is only )"
            "allowed for ssh");
  EXPECT_EQ(rejection("tcp://me:secret@host:1234"),
            R"(invalid endpoint "tcp://***@host:1234": user info is only )"
            "allowed for ssh");
}

TEST(ParseEndpoint, RejectsSshPasswordWithoutShowingIt)
{
  std::string message = rejection("ssh://me:hunter2@host:22");

  EXPECT_EQ(message, R"(invalid endpoint "ssh://***@host:22": a password )"
                     "in the URL is not supported; use an SSH key");
}

TEST(ParseEndpoint, NeverShowsAnSshPasswordWhateverElseIsWrong)
{
  std::string bad_port = rejection("ssh://me:hunter2@host:99999");
  std::string bad_escape = rejection("ssh://me:hunter2%zz@host");

  EXPECT_EQ(bad_port.find("hunter2"), std::string::npos) << bad_port;
  EXPECT_EQ(bad_escape.find("hunter2"), std::string::npos) << bad_escape;
  EXPECT_NE(bad_port, "");
  EXPECT_NE(bad_escape, "");
}

TEST(ParseEndpoint, RejectsSshQueryAndFragment)
{
  EXPECT_EQ(rejection("ssh://host?x=1"),
            R"(invalid endpoint "ssh://host?x=1": a query or fragment is )"
            "not supported for ssh");
  EXPECT_EQ(rejection("ssh://host/run/bk.sock#top"),
            R"(invalid endpoint "ssh://host/run/bk.sock#top": a query or )"
            "fragment is not supported for ssh");
}

TEST(ParseEndpoint, RejectsSshWithoutHost)
{
  EXPECT_EQ(rejection("ssh:///run/bk.sock"),
            R"(invalid endpoint "ssh:///run/bk.sock": missing host)");
}

TEST(ParseEndpoint, RejectsInvalidKubeNames)
{
  EXPECT_EQ(rejection("kube-pod://Buildkitd"),
            R"(invalid endpoint "kube-pod://Buildkitd": invalid pod name )"
            R"("Buildkitd" (lowercase letters, digits, '-' and '.'))");
  EXPECT_EQ(rejection("kube-pod://bk?namespace=my_ns"),
            R"(invalid endpoint "kube-pod://bk?namespace=my_ns": invalid )"
            R"(namespace name "my_ns" (lowercase letters, digits and '-'))");
  EXPECT_EQ(rejection("kube-pod://bk?namespace=a.b"),
            R"(invalid endpoint "kube-pod://bk?namespace=a.b": invalid )"
            R"(namespace name "a.b" (lowercase letters, digits and '-'))");
  EXPECT_EQ(rejection("kube-pod://bk?container=-bk"),
            R"(invalid endpoint "kube-pod://bk?container=-bk": invalid )"
            R"(container name "-bk" (lowercase letters, digits and '-'))");
  EXPECT_EQ(rejection("kube-pod://bk?container=" + std::string(64, 'a')),
            "invalid endpoint \"kube-pod://bk?container=" +
              std::string(64, 'a') + "\": invalid container name \"" +
              std::string(64, 'a') + "\" (lowercase letters, digits and '-')");
}

TEST(ParseEndpoint, RejectsKubePodPath)
{
  EXPECT_EQ(rejection("kube-pod://bk/x"),
            R"(invalid endpoint "kube-pod://bk/x": expected )"
            "kube-pod://POD[?namespace=NS&container=C]");
}

TEST(ParseEndpoint, RejectsDockerContainerPath)
{
  EXPECT_EQ(rejection("docker-container://bk:80"),
            R"(invalid endpoint "docker-container://bk:80": expected )"
            "docker-container://NAME[?context=CTX]");
  EXPECT_EQ(rejection("docker-container://"),
            R"(invalid endpoint "docker-container://": missing container )"
            "name");
}

TEST(ParseEndpoint, RejectsUnknownQueryKeys)
{
  EXPECT_EQ(rejection("docker-container://bk?namespace=x"),
            R"(invalid endpoint "docker-container://bk?namespace=x": )"
            R"(unknown parameter "namespace")");
  EXPECT_EQ(rejection("kube-pod://bk?pod=x"),
            R"(invalid endpoint "kube-pod://bk?pod=x": unknown parameter )"
            R"("pod")");
  EXPECT_EQ(rejection("tcp://host:1234?tls=1"),
            R"(invalid endpoint "tcp://host:1234?tls=1": unknown parameter )"
            R"("tls")");
  EXPECT_EQ(rejection("unix:///run/bk.sock?x"),
            R"(invalid endpoint "unix:///run/bk.sock?x": unknown parameter )"
            R"("x")");
}

} // namespace
} // namespace kiln::connect
