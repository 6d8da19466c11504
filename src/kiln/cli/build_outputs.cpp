#include "kiln/cli/build_outputs.h"

#include <cerrno>
#include <chrono>
#include <optional>
#include <stdexcept>

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

// A staged file, or stdout when there is none.
struct FileSink {
  std::string path;
  std::shared_ptr<util::Staged> staged;

  void write(std::string_view bytes) const
  {
    int out = staged ? staged->fd() : STDOUT_FILENO;
    if (!util::write_all(out, bytes)) {
      throw util::FileError("write", path, errno);
    }
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
      auto staged =
        std::make_shared<util::Staged>(out.dest, util::Staged::Kind::folder);
      plan.targets[id].dir = staged->temp();
      plan.staged.push_back(std::move(staged));
    } else if (out.is_stream() && out.dest.empty()) {
      auto sink = std::make_shared<LoadSink>();
      sink->loaded = plan.loaded;
      plan.targets[id].write = [sink](std::string_view b) { sink->write(b); };
      plan.targets[id].close = [sink] { sink->close(); };
    } else if (out.is_stream()) {
      auto sink = std::make_shared<FileSink>();
      sink->path = out.dest;
      if (out.dest != "-") {
        sink->staged =
          std::make_shared<util::Staged>(out.dest, util::Staged::Kind::file);
        plan.staged.push_back(sink->staged);
      }
      plan.targets[id].write = [sink](std::string_view b) { sink->write(b); };
      plan.targets[id].close = [] {};
    }
  }
  return plan;
}

void OutputPlan::commit()
{
  for (auto& s : staged) {
    s->commit();
  }
}

} // namespace kiln::cli
