#include "kiln/cli/build_outputs.h"

#include <cerrno>
#include <chrono>
#include <optional>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include "kiln/engine/host.h"
#include "kiln/engine/load.h"
#include "kiln/util/fd.h"
#include "kiln/util/fs.h"

namespace kiln::cli {

namespace {

double now()
{
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(since).count();
}

// A file, or stdout for `-`, opened at the first write.
struct FileSink {
  std::string path;
  util::Fd fd;
  bool opened = false;

  void write(std::string_view bytes)
  {
    if (!opened) {
      opened = true;
      if (path != "-") {
        fd.reset(
          ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!fd) {
          throw util::FileError("create", path, errno);
        }
      }
    }
    int out = path == "-" ? STDOUT_FILENO : fd.get();
    if (!util::write_all(out, bytes)) {
      throw util::FileError("write", path, errno);
    }
  }

  void close()
  {
    if (!opened) {
      write("");
    }
    fd.reset();
  }
};

// The Engine's image load, connected at the first write.
struct LoadSink {
  std::optional<engine::ImageLoad> load;
  std::shared_ptr<LoadReport> loaded;

  void write(std::string_view bytes)
  {
    if (!load) {
      loaded->started = now();
      auto opened = engine::ImageLoad::open(engine::current_host());
      if (!opened) {
        throw std::runtime_error(opened.error().message);
      }
      load.emplace(std::move(*opened));
    }
    load->write(bytes);
  }

  void close()
  {
    if (!load) {
      throw std::runtime_error("the daemon sent an empty image");
    }
    auto result = load->finish();
    if (!result) {
      throw std::runtime_error("failed to load the image into the Docker "
                               "Engine: " +
                               result.error().message);
    }
    loaded->message = *result;
    loaded->finished = now();
  }
};

} // namespace

OutputPlan plan_outputs(const std::vector<OutputSpec>& outputs)
{
  OutputPlan plan;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const OutputSpec& out = outputs[i];
    plan.exports.push_back(buildkit::Export{out.type, out.attrs});
    int id = static_cast<int>(i);
    if (out.is_dir()) {
      plan.targets[id].dir = out.dest;
    } else if (out.is_stream() && out.dest.empty()) {
      auto sink = std::make_shared<LoadSink>();
      sink->loaded = plan.loaded;
      plan.targets[id].write = [sink](std::string_view b) { sink->write(b); };
      plan.targets[id].close = [sink] { sink->close(); };
    } else if (out.is_stream()) {
      auto sink = std::make_shared<FileSink>();
      sink->path = out.dest;
      plan.targets[id].write = [sink](std::string_view b) { sink->write(b); };
      plan.targets[id].close = [sink] { sink->close(); };
    }
  }
  return plan;
}

} // namespace kiln::cli
