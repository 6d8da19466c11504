#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/run.h"
#include "../support/temp_dir.h"
#include "kiln/store/store.h"

namespace kiln::test {

/// A kiln binary run against a store of its own in a fresh temp folder.
class CliTest : public ::testing::Test {
protected:
  // Lays the store out (folders and lock file) as any command does, so
  // that a rejected command is seen to have written nothing.
  void SetUp() override
  {
    store::Store layout(store());
    auto lock = layout.lock();
  }

  /// Runs kiln with `args`.
  RunResult kiln(const std::vector<std::string>& args)
  {
    return m_kiln.run(args);
  }

  /// Runs kiln with `args`, expecting success.
  RunResult ok(const std::vector<std::string>& args)
  {
    RunResult result = m_kiln.run(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result;
  }

  /// Runs kiln with `args`, expecting exit 1, exactly `ERROR: message`
  /// on stderr, nothing on stdout, and the store exactly as it was.
  void rejected(const std::vector<std::string>& args,
                const std::string& message)
  {
    auto before = snapshot(store());

    RunResult result = m_kiln.run(args);

    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err, "ERROR: " + message + "\n");
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(snapshot(store()), before);
  }

  /// Returns the store folder.
  [[nodiscard]] const std::filesystem::path& store() const
  {
    return m_kiln.store();
  }

  /// Returns the text of `instances/<file>`.
  [[nodiscard]] std::string instance(const std::string& file) const
  {
    return slurp(store() / "instances" / file);
  }

  TempDir m_tmp;
  Kiln m_kiln{m_tmp.path()};
};

} // namespace kiln::test
