// The flags of `build`, named and described as Buildx names them and
// listed in its (alphabetical) help order.
#include "kiln/cli/build_flags.h"

namespace kiln::cli {

void add_build_flags(CLI::App& cmd, BuildFlags& f)
{
  cmd.add_option("context", f.context, "Build context: PATH, URL or \"-\"")
    ->required();
  cmd
    .add_option("--add-host", f.add_hosts,
                "Add a custom host-to-IP mapping (format: \"host:ip\")")
    ->delimiter(',')
    ->allow_extra_args(false);
  cmd.add_option("--build-arg", f.build_args, "Set build-time variables")
    ->allow_extra_args(false);
  cmd
    .add_option("--build-context", f.build_contexts,
                "Additional build contexts (e.g., name=path)")
    ->allow_extra_args(false);
  cmd.add_option("-f,--file", f.file,
                 "Name of the Dockerfile (default: \"PATH/Dockerfile\")");
  cmd.add_option("--iidfile", f.iidfile, "Write the image ID to a file");
  cmd.add_option("--label", f.labels, "Set metadata for an image")
    ->allow_extra_args(false);
  cmd.add_flag("--load", f.load, "Shorthand for \"--output=type=docker\"");
  cmd.add_option("--metadata-file", f.metadata_file,
                 "Write build result metadata to a file");
  cmd.add_option("--network", f.network,
                 "Set the networking mode for the \"RUN\" instructions "
                 "during build");
  cmd.add_flag("--no-cache", f.no_cache,
               "Do not use cache when building the image");
  cmd
    .add_option("-o,--output", f.outputs,
                "Output destination (format: \"type=local,dest=path\")")
    ->allow_extra_args(false);
  cmd.add_option("--platform", f.platforms, "Set target platform for build")
    ->allow_extra_args(false);
  cmd.add_option("--progress", f.progress,
                 "Set type of progress output (\"auto\", \"none\", "
                 "\"plain\", \"quiet\", \"rawjson\", \"tty\"). Use plain to "
                 "show container output");
  cmd.add_flag("--pull", f.pull,
               "Always attempt to pull all referenced images");
  cmd.add_flag("--push", f.push,
               "Shorthand for \"--output=type=registry,unpack=false\"");
  cmd.add_flag("-q,--quiet", f.quiet,
               "Suppress the build output and print image ID on success");
  cmd.add_option("--shm-size", f.shm_size,
                 "Shared memory size for build containers");
  cmd
    .add_option("-t,--tag", f.tags,
                "Image identifier (format: \"[registry/]repository[:tag]\")")
    ->allow_extra_args(false);
  cmd.add_option("--target", f.target, "Set the target build stage to build");
  cmd.add_option("--ulimit", f.ulimits, "Ulimit options")
    ->allow_extra_args(false);
}

} // namespace kiln::cli
