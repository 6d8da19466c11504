#include "kiln/progress/printer.h"

#include <algorithm>
#include <cstdio>

#include "kiln/progress/format.h"
#include "kiln/util/error.h"

namespace kiln::progress {

using moby::buildkit::v1::StatusResponse;
using moby::buildkit::v1::VertexStatus;

Printer::Printer(std::ostream& out, Mode mode, std::string description)
  : m_out(out), m_mode(mode), m_description(std::move(description))
{}

void Printer::update(const StatusResponse& resp)
{
  std::vector<std::string> touched;
  auto touch = [&](const std::string& digest) -> Step& {
    if (std::find(touched.begin(), touched.end(), digest) == touched.end()) {
      touched.push_back(digest);
    }
    auto [it, fresh] = m_steps.try_emplace(digest);
    if (fresh) {
      m_order.push_back(digest);
    }
    return it->second;
  };

  for (const auto& v : resp.vertexes()) {
    Step& step = touch(v.digest());
    step.name = v.name();
    step.cached = v.cached();
    step.started = v.has_started() ? seconds(v.started()) : 0;
    step.completed = v.has_completed() ? seconds(v.completed()) : 0;
    step.error = v.error();
  }
  for (const auto& s : resp.statuses()) {
    write_status(touch(s.vertex()), s);
  }
  for (const auto& w : resp.warnings()) {
    touch(w.vertex()).events.push_back("WARN: " + w.short_());
  }
  for (const auto& l : resp.logs()) {
    Step& step = touch(l.vertex());
    double since = step.started > 0 ? seconds(l.timestamp()) - step.started : 0;
    add_log(step, l.msg(), since);
  }

  if (m_mode == Mode::quiet) {
    return;
  }
  // Finished steps first, in the order they finished.
  std::vector<std::string> finished;
  std::vector<std::string> running;
  for (const auto& d : touched) {
    const Step& step = m_steps[d];
    (step.completed > 0 ? finished : running).push_back(d);
  }
  std::stable_sort(finished.begin(), finished.end(),
                   [this](const std::string& a, const std::string& b) {
                     return m_steps[a].completed < m_steps[b].completed;
                   });
  for (const auto& d : finished) {
    print_step(d);
  }
  for (const auto& d : running) {
    if (m_steps[d].started > 0) {
      print_step(d);
    }
  }
  m_out.flush();
}

void Printer::add_log(Step& step, const std::string& msg, double since)
{
  split_log(step.partial, msg, since, [&step](std::string&& line) {
    step.lines.push_back(line);
    step.recent.push_back(std::move(line));
    if (step.recent.size() > k_recent_lines) {
      step.recent.erase(step.recent.begin());
    }
  });
}

void Printer::write_status(Step& step, const VertexStatus& s)
{
  bool completed = s.has_completed();
  double now = seconds(s.timestamp());
  auto [seen, fresh] = step.statuses.try_emplace(s.id());
  StatusSeen& last = seen->second;
  if (fresh) {
    last.printed_at = s.has_started() ? seconds(s.started()) : now;
  }
  // A finished status prints once; a running one at most every second,
  // so that quick transfers show only their final line.
  if (last.done || (!completed && now - last.printed_at < 1.0)) {
    return;
  }
  last.done = completed;
  last.printed_at = now;

  std::string line = s.id();
  if (s.total() != 0) {
    line += " " + bytes_text(s.current()) + " / " + bytes_text(s.total());
  } else if (s.current() != 0) {
    line += " " + bytes_text(s.current());
  }
  if (s.has_started()) {
    double end = completed ? seconds(s.completed()) : seconds(s.timestamp());
    double diff = end - seconds(s.started());
    if (diff > 0.01) {
      line += fixed(" %.1fs", diff);
    }
  }
  if (completed) {
    line += " done";
  }
  step.events.push_back(line);
}

void Printer::print_step(const std::string& digest)
{
  Step& step = m_steps[digest];
  // The daemon may report a sub-status, such as the bytes of a context
  // transfer, after its step ended: the step is shown again with it.
  if (step.done_printed && step.events.empty() && step.lines.empty()) {
    return;
  }
  if (step.index == 0) {
    step.index = ++m_next_index;
  }
  std::string n = "#" + std::to_string(step.index) + " ";

  if (digest != m_current) {
    if (!m_current.empty()) {
      m_out << "#" << m_steps[m_current].index << " ...\n";
    }
    if (m_not_first) {
      m_out << '\n';
    } else {
      if (!m_description.empty()) {
        m_out << "#0 " << m_description << "\n\n";
      }
      m_not_first = true;
    }
    m_out << n << step.name << '\n';
  }
  for (const auto& e : step.events) {
    m_out << n << e << '\n';
  }
  step.events.clear();
  for (const auto& l : step.lines) {
    m_out << n << l << '\n';
  }
  step.lines.clear();

  m_current = digest;
  if (step.completed <= 0) {
    return;
  }
  if (!step.partial.empty()) {
    m_out << n << step.partial << '\n';
    step.partial.clear();
  }
  m_current.clear();
  step.done_printed = true;
  if (!step.error.empty()) {
    if (is_cancel(step.error)) {
      m_out << n << "CANCELED\n";
    } else {
      m_out << n << "ERROR: " << step.error << '\n';
    }
  } else if (step.cached) {
    m_out << n << "CACHED\n";
  } else {
    double took = step.started > 0 ? step.completed - step.started : 0;
    m_out << n << "DONE" << fixed(" %.1fs", took) << '\n';
  }
}

void Printer::local_step(const std::string& name, double started,
                         double completed)
{
  if (m_mode == Mode::quiet) {
    return;
  }
  std::string digest = "kiln:" + name;
  auto [it, fresh] = m_steps.try_emplace(digest);
  if (fresh) {
    m_order.push_back(digest);
  }
  it->second.name = name;
  it->second.started = started;
  it->second.completed = completed;
  print_step(digest);
  m_out.flush();
}

void Printer::finish()
{
  if (m_mode == Mode::quiet) {
    return;
  }
  for (const auto& d : m_order) {
    Step& step = m_steps[d];
    if (!step.done_printed && !step.partial.empty()) {
      m_out << "#" << step.index << " " << step.partial << '\n';
      step.partial.clear();
    }
  }
  // The last lines of each failed step once more, below everything.
  for (const auto& d : m_order) {
    const Step& step = m_steps[d];
    if (step.error.empty() || is_cancel(step.error)) {
      continue;
    }
    write_error_logs(m_out, step.name, step.recent);
  }
  m_out.flush();
}

} // namespace kiln::progress
