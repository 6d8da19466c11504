#include "kiln/cli/build_context.h"
#include "kiln/util/error.h"

#include <fstream>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../support/temp_dir.h"

namespace kiln::cli {
namespace {

namespace fs = std::filesystem;

// Returns a pipe's read end holding `bytes`, as stdin would.
int pipe_with(const std::string& bytes)
{
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  EXPECT_EQ(::write(fds[1], bytes.data(), bytes.size()),
            static_cast<ssize_t>(bytes.size()));
  ::close(fds[1]);
  return fds[0];
}

// A one-file tar archive made by hand: a header block and one data
// block.
std::string tiny_tar()
{
  std::string block(512, '\0');
  block.replace(0, 9, "Dockerfile");
  block.replace(100, 7, "0000644");
  block.replace(124, 11, "00000000016");
  block[156] = '0';
  block.replace(257, 6, std::string("ustar\0", 6));
  block.replace(263, 2, "00");
  unsigned sum = 0;
  for (std::size_t i = 0; i < block.size(); ++i) {
    sum += i >= 148 && i < 156 ? ' ' : static_cast<unsigned char>(block[i]);
  }
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  block.replace(148, 7, std::string(chk, 6) + '\0');
  std::string data(512, '\0');
  data.replace(0, 14, "FROM scratch\n\n");
  return block + data + std::string(1024, '\0');
}

std::string error_of(const BuildFlags& flags, int fd = STDIN_FILENO)
{
  BuildPlan plan;
  try {
    resolve_context(flags, plan, fd);
  } catch (const util::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(IsGitUrl, FormsBuildxTakesAsGit)
{
  EXPECT_TRUE(is_git_url("git://127.0.0.1/repo"));
  EXPECT_TRUE(is_git_url("https://example.com/a/repo.git#main:sub"));
  EXPECT_TRUE(is_git_url("http://127.0.0.1:8000/repo.git"));
  EXPECT_TRUE(is_git_url("git@github.com:user/repo.git"));
  EXPECT_TRUE(is_git_url("ssh://git@host/repo"));
  EXPECT_TRUE(is_git_url("github.com/user/repo"));
  EXPECT_FALSE(is_git_url("https://example.com/context.tar"));
  EXPECT_FALSE(is_git_url("./repo.git"));
  EXPECT_FALSE(is_git_url("ftp://example.com/repo.git"));
  EXPECT_FALSE(is_git_url("dir"));
  EXPECT_TRUE(is_remote_url("https://example.com/context.tar"));
  EXPECT_FALSE(is_remote_url("some/dir"));
}

TEST(IsArchive, TarAndCompressedStreams)
{
  EXPECT_TRUE(is_archive(tiny_tar()));
  EXPECT_TRUE(is_archive("\x1f\x8b\x08rest"));
  EXPECT_FALSE(is_archive("FROM scratch\nCOPY . /\n"));
  EXPECT_FALSE(is_archive(std::string(1024, '\0')));
  std::string bad = tiny_tar();
  bad[0] = 'X';
  EXPECT_FALSE(is_archive(bad));
}

TEST(ResolveContext, LocalFolderAndDockerfile)
{
  test::TempDir dir;
  std::ofstream(dir.path() / "Dockerfile") << "FROM scratch\n";
  BuildFlags flags;
  flags.context = dir.path().string();
  BuildPlan plan;
  resolve_context(flags, plan);
  EXPECT_EQ(plan.context_dir, dir.path());
  EXPECT_EQ(plan.dockerfile_dir, dir.path());
  EXPECT_EQ(plan.frontend_attrs.at("filename"), "Dockerfile");
  EXPECT_EQ(plan.frontend_attrs.count("context"), 0U);
}

TEST(ResolveContext, StdinDockerfileGetsAnEmptyContext)
{
  BuildFlags flags;
  flags.context = "-";
  int fd = pipe_with("FROM scratch\nLABEL a=b\n");
  BuildPlan plan;
  resolve_context(flags, plan, fd);
  ::close(fd);
  ASSERT_FALSE(plan.context_dir.empty());
  EXPECT_TRUE(fs::is_empty(plan.context_dir));
  std::ifstream in(plan.dockerfile_dir / "Dockerfile");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "FROM scratch\nLABEL a=b\n");
  EXPECT_EQ(plan.frontend_attrs.at("dockerfilekey"), "dockerfile");
  EXPECT_FALSE(plan.upload);

  // The folders go with the plan.
  fs::path made = plan.dockerfile_dir;
  plan = BuildPlan();
  EXPECT_FALSE(fs::exists(made));
}

TEST(ResolveContext, StdinTarIsUploaded)
{
  BuildFlags flags;
  flags.context = "-";
  flags.file = "sub/Dockerfile";
  std::string tar = tiny_tar();
  int fd = pipe_with(tar);
  BuildPlan plan;
  resolve_context(flags, plan, fd);
  EXPECT_TRUE(plan.context_dir.empty());
  EXPECT_TRUE(plan.dockerfile_dir.empty());
  EXPECT_EQ(plan.frontend_attrs.at("context"),
            "http://buildkit-session/" + plan.upload_id);
  EXPECT_EQ(plan.frontend_attrs.at("filename"), "sub/Dockerfile");
  ASSERT_TRUE(plan.upload);
  std::string got;
  for (std::string part = plan.upload(); !part.empty(); part = plan.upload()) {
    got += part;
  }
  ::close(fd);
  EXPECT_EQ(got, tar);
}

TEST(ResolveContext, UrlsGoToTheDaemon)
{
  BuildFlags flags;
  flags.context = "git://127.0.0.1/repo.git?ref=main";
  flags.file = "docker/Dockerfile";
  BuildPlan plan;
  resolve_context(flags, plan);
  EXPECT_EQ(plan.frontend_attrs.at("context"), flags.context);
  EXPECT_EQ(plan.frontend_attrs.at("filename"), "docker/Dockerfile");
  EXPECT_EQ(plan.frontend_attrs.at("frontend.caps"),
            "moby.buildkit.frontend.gitquerystring");
  EXPECT_TRUE(plan.context_dir.empty());
  EXPECT_TRUE(plan.dockerfile_dir.empty());
}

TEST(ResolveContext, NamedContexts)
{
  test::TempDir dir;
  std::ofstream(dir.path() / "Dockerfile") << "FROM scratch\n";
  fs::create_directory(dir.path() / "extra");
  BuildFlags flags;
  flags.context = dir.path().string();
  flags.build_contexts = {"extra=" + (dir.path() / "extra").string(),
                          "context=" + (dir.path() / "extra").string(),
                          "img=docker-image://busybox:latest"};
  BuildPlan plan;
  resolve_context(flags, plan);
  const auto& attrs = plan.frontend_attrs;
  EXPECT_EQ(attrs.at("context:extra"), "local:extra");
  EXPECT_EQ(attrs.at("context:context"), "local:_context");
  EXPECT_EQ(attrs.at("sharedkey:localdir:extra"), "extra");
  EXPECT_EQ(attrs.at("context:img"), "docker-image://busybox:latest");
  EXPECT_EQ(attrs.at("frontend.caps"),
            "moby.buildkit.frontend.contexts+forward");
  EXPECT_EQ(plan.named_dirs.at("extra"), dir.path() / "extra");
  EXPECT_EQ(plan.named_dirs.at("_context"), dir.path() / "extra");
}

TEST(ResolveContext, BadValuesAreNamed)
{
  test::TempDir dir;
  std::ofstream(dir.path() / "Dockerfile") << "FROM scratch\n";
  BuildFlags flags;
  flags.context = (dir.path() / "missing").string();
  EXPECT_EQ(error_of(flags), "unable to prepare context: path \"" +
                               flags.context + "\" not found");

  flags.context = "-";
  flags.file = "-";
  EXPECT_EQ(error_of(flags), "invalid argument: can't use stdin for both "
                             "build context and dockerfile");

  flags.file = "Dockerfile";
  int fd = pipe_with("FROM scratch\n");
  EXPECT_EQ(error_of(flags, fd), "ambiguous Dockerfile source: both stdin "
                                 "and flag correspond to Dockerfiles");
  ::close(fd);

  flags.context = dir.path().string();
  flags.file.clear();
  std::string missing = (dir.path() / "nope").string();
  flags.build_contexts = {"x=" + missing};
  EXPECT_EQ(error_of(flags), "failed to get build context x: stat " + missing +
                               ": no such file or directory");
  std::string file = (dir.path() / "Dockerfile").string();
  flags.build_contexts = {"x=" + file};
  EXPECT_EQ(error_of(flags),
            "failed to get build context path " + file + ": not a directory");
  flags.build_contexts = {"novalue"};
  EXPECT_EQ(error_of(flags),
            "invalid context value: novalue, expected key=value");
}

} // namespace
} // namespace kiln::cli
