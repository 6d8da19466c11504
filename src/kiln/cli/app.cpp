#include "kiln/cli/app.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "kiln/cli/commands.h"
#include "kiln/cli/version.h"
#include "kiln/util/error.h"
#include "kiln/util/log.h"
#include "kiln/util/strings.h"

namespace kiln::cli {

std::string version_string()
{
  return std::string("v") + KILN_VERSION;
}

namespace {

/// One row of the subcommand table.
struct Subcommand {
  const char* name;
  void (*add)(CLI::App&, const Globals&);
};

const Subcommand k_subcommands[] = {
  {"build", add_build}, {"certs", add_certs},     {"create", add_create},
  {"du", add_du},       {"inspect", add_inspect}, {"ls", add_ls},
  {"prune", add_prune}, {"rm", add_rm},           {"stop", add_stop},
  {"use", add_use},     {"version", add_version},
};

// The Docker CLI asks every plugin for this before running it.
void print_plugin_metadata()
{
  nlohmann::json meta = {
    {"SchemaVersion", "0.1.0"},
    {"Vendor", "kiln"},
    {"Version", version_string()},
    {"ShortDescription", "Docker Buildx"},
  };
  std::cout << meta.dump(1, '\t') << '\n';
}

bool env_true(const char* name)
{
  const char* v = std::getenv(name);
  return v != nullptr &&
         (std::strcmp(v, "1") == 0 || std::strcmp(v, "true") == 0);
}

// Drops the plugin's own name that the Docker CLI passes first.
std::vector<std::string> arguments(int argc, char** argv)
{
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "buildx") {
    args.erase(args.begin());
  }
  return args;
}

std::string unknown_command_message(const std::string& word)
{
  std::vector<std::string> names;
  for (const auto& s : k_subcommands) {
    names.emplace_back(s.name);
  }
  std::string message =
    "unknown command " + util::quote(word) + " for \"buildx\"";
  auto hints = util::suggest(word, names);
  if (!hints.empty()) {
    message += "; did you mean " + util::quote(hints.front()) + "?";
  }
  return message;
}

int run_app(std::vector<std::string> args)
{
  Globals globals;
  if (const char* b = std::getenv("BUILDX_BUILDER")) {
    globals.builder = b;
  }
  globals.debug = env_true("BUILDX_DEBUG");

  CLI::App app("kiln: build with BuildKit, a drop-in for Docker Buildx",
               "docker buildx");
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--builder", globals.builder,
                 "Override the configured builder instance");
  app.add_flag("-D,--debug", globals.debug, "Enable debug logging");
  app.parse_complete_callback([&globals] { util::set_debug(globals.debug); });
  for (const auto& s : k_subcommands) {
    s.add(app, globals);
  }

  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ExtrasError& e) {
    auto extras = app.remaining();
    if (!app.get_subcommands().empty() || extras.empty()) {
      throw util::UserError(e.what());
    }
    throw util::UserError(unknown_command_message(extras.front()));
  } catch (const CLI::RequiredError& e) {
    auto extras = app.remaining();
    if (app.get_subcommands().empty() && !extras.empty()) {
      throw util::UserError(unknown_command_message(extras.front()));
    }
    if (app.get_subcommands().empty()) {
      std::cerr << app.help();
      return 1;
    }
    throw util::UserError(e.what());
  } catch (const CLI::ParseError& e) {
    throw util::UserError(e.what());
  }
  return 0;
}

} // namespace

int run(int argc, char** argv)
{
  auto args = arguments(argc, argv);
  if (!args.empty() && args.front() == "docker-cli-plugin-metadata") {
    print_plugin_metadata();
    return 0;
  }

  try {
    return run_app(std::move(args));
  } catch (const util::Cancelled&) {
    return 130;
  } catch (const util::ExitError& e) {
    std::cerr << "ERROR: " << util::redact(e.what()) << '\n';
    return e.exit_code();
  } catch (const util::UserError& e) {
    std::cerr << "ERROR: " << util::redact(e.what()) << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "ERROR: " << util::redact(e.what()) << '\n';
    return 1;
  }
}

} // namespace kiln::cli
