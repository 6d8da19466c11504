// The live terminal view: a header with the elapsed time and step
// count, one line per step (and per sub-status) with its time on the
// right, the last log lines of running steps, redrawn in place a few
// times a second. Plain characters only, so NO_COLOR holds trivially.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <sys/ioctl.h>
#include <unistd.h>

#include "kiln/progress/display.h"
#include "kiln/progress/format.h"

namespace kiln::progress::detail {

namespace {

namespace v1 = moby::buildkit::v1;

constexpr std::size_t k_shown_logs = 3;
constexpr std::size_t k_kept_logs = 10;
constexpr auto k_tick = std::chrono::milliseconds(100);

double now()
{
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(since).count();
}

struct Sub {
  std::string id;
  std::int64_t current = 0;
  std::int64_t total = 0;
  double started = 0;
  double completed = 0;
};

struct Step {
  std::string name;
  double started = 0;
  double completed = 0;
  bool cached = false;
  std::string error;
  std::vector<Sub> subs;
  std::string partial;
  std::vector<std::string> logs;
};

// `left` cut to fit `width` with `right` flush against the edge.
std::string fit(std::string left, const std::string& right, std::size_t width)
{
  if (left.size() + right.size() + 1 > width) {
    std::size_t room = width > right.size() + 4 ? width - right.size() - 4 : 0;
    left = left.substr(0, room) + "...";
  }
  std::size_t pad =
    width > left.size() + right.size() ? width - left.size() - right.size() : 1;
  return left + std::string(pad, ' ') + right;
}

class TtyDisplay : public Display {
public:
  explicit TtyDisplay(std::ostream& out)
    : m_out(out), m_start(now()), m_ticker([this] { tick(); })
  {}

  ~TtyDisplay() override { stop(); }
  TtyDisplay(const TtyDisplay&) = delete;
  TtyDisplay& operator=(const TtyDisplay&) = delete;

  void update(const v1::StatusResponse& resp) override
  {
    std::lock_guard lock(m_mutex);
    for (const auto& v : resp.vertexes()) {
      Step& s = step(v.digest());
      s.name = v.name();
      s.cached = v.cached();
      s.started = v.has_started() ? seconds(v.started()) : 0;
      s.completed = v.has_completed() ? seconds(v.completed()) : 0;
      s.error = v.error();
    }
    for (const auto& st : resp.statuses()) {
      Step& s = step(st.vertex());
      auto it = std::find_if(s.subs.begin(), s.subs.end(),
                             [&](const Sub& sub) { return sub.id == st.id(); });
      if (it == s.subs.end()) {
        it = s.subs.insert(s.subs.end(), Sub{st.id()});
      }
      it->current = st.current();
      it->total = st.total();
      it->started = st.has_started() ? seconds(st.started()) : 0;
      it->completed = st.has_completed() ? seconds(st.completed()) : 0;
    }
    for (const auto& l : resp.logs()) {
      Step& s = step(l.vertex());
      double since = s.started > 0 ? seconds(l.timestamp()) - s.started : 0;
      add_log(s, l.msg(), since);
    }
    m_dirty = true;
  }

  void local_step(const std::string& name, double started,
                  double completed) override
  {
    std::lock_guard lock(m_mutex);
    Step& s = step("kiln:" + name);
    s.name = name;
    s.started = started;
    s.completed = completed;
    m_dirty = true;
  }

  void finish() override
  {
    stop();
    std::lock_guard lock(m_mutex);
    draw(true);
    for (const auto& d : m_order) {
      const Step& s = m_steps[d];
      if (s.error.empty() || is_cancel(s.error)) {
        continue;
      }
      write_error_logs(m_out, s.name, s.logs);
    }
    m_out.flush();
  }

private:
  Step& step(const std::string& digest)
  {
    auto [it, fresh] = m_steps.try_emplace(digest);
    if (fresh) {
      m_order.push_back(digest);
    }
    return it->second;
  }

  static void add_log(Step& s, const std::string& msg, double since)
  {
    split_log(s.partial, msg, since, [&s](std::string&& line) {
      s.logs.push_back(std::move(line));
      if (s.logs.size() > k_kept_logs) {
        s.logs.erase(s.logs.begin());
      }
    });
  }

  void stop()
  {
    {
      std::lock_guard lock(m_mutex);
      if (m_stopped) {
        return;
      }
      m_stopped = true;
    }
    m_wake.notify_all();
    m_ticker.join();
  }

  void tick()
  {
    std::unique_lock lock(m_mutex);
    while (!m_stopped) {
      m_wake.wait_for(lock, k_tick);
      if (!m_stopped) {
        draw(false);
      }
    }
  }

  std::vector<std::string> frame(bool final, std::size_t width)
  {
    double t = now();
    std::size_t done = 0;
    std::size_t shown = 0;
    std::vector<std::string> lines;
    // Steps in the order they started, like the daemon ran them.
    std::vector<std::string> order = m_order;
    std::stable_sort(order.begin(), order.end(),
                     [this](const std::string& a, const std::string& b) {
                       return m_steps[a].started < m_steps[b].started;
                     });
    for (const auto& d : order) {
      const Step& s = m_steps[d];
      if (s.started <= 0 && s.completed <= 0) {
        continue;
      }
      ++shown;
      done += s.completed > 0 ? 1 : 0;
      std::string state = s.cached ? "CACHED "
                          : !s.error.empty()
                            ? (is_cancel(s.error) ? "CANCELED " : "ERROR ")
                            : "";
      double end = s.completed > 0 ? s.completed : t;
      double took = s.cached || s.started <= 0 ? 0 : end - s.started;
      lines.push_back(
        fit(" => " + state + s.name, fixed("%.1fs", took), width));
      for (const auto& sub : s.subs) {
        std::string bytes = sub.total != 0 ? " " + bytes_text(sub.current) +
                                               " / " + bytes_text(sub.total)
                            : sub.current != 0 ? " " + bytes_text(sub.current)
                                               : "";
        double sub_end = sub.completed > 0 ? sub.completed : t;
        double sub_took = sub.started > 0 ? sub_end - sub.started : 0;
        lines.push_back(
          fit(" => => " + sub.id + bytes, fixed("%.1fs", sub_took), width));
      }
      if (s.completed <= 0) {
        std::size_t first =
          s.logs.size() > k_shown_logs ? s.logs.size() - k_shown_logs : 0;
        for (std::size_t i = first; i < s.logs.size(); ++i) {
          lines.push_back(fit(" => => # " + s.logs[i], "", width));
        }
      }
    }
    std::string head = "[+] Building " + fixed("%.1fs", t - m_start) + " (" +
                       std::to_string(done) + "/" + std::to_string(shown) +
                       ")" + (final ? " FINISHED" : "");
    lines.insert(lines.begin(), fit(head, "", width));
    return lines;
  }

  void draw(bool final)
  {
    winsize ws{};
    bool sized = ::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0;
    std::size_t width = sized ? ws.ws_col : 80;
    std::size_t height = sized && ws.ws_row > 2 ? ws.ws_row : 40;

    std::vector<std::string> lines = frame(final, width - 1);
    // Older lines scroll away when the view is taller than the screen.
    if (!final && lines.size() > height - 1) {
      lines.erase(lines.begin() + 1,
                  lines.begin() + static_cast<long>(lines.size() - height + 2));
    }
    std::string text;
    if (m_drawn > 0) {
      text += "\x1b[" + std::to_string(m_drawn) + "A\x1b[J";
    }
    for (const auto& line : lines) {
      text += line + "\n";
    }
    m_out << text;
    m_out.flush();
    m_drawn = lines.size();
    m_dirty = false;
  }

  std::ostream& m_out;
  double m_start;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopped = false;
  bool m_dirty = false;
  std::size_t m_drawn = 0;
  std::map<std::string, Step> m_steps;
  std::vector<std::string> m_order;
  std::thread m_ticker;
};

} // namespace

std::unique_ptr<Display> make_tty(std::ostream& out)
{
  return std::make_unique<TtyDisplay>(out);
}

} // namespace kiln::progress::detail
