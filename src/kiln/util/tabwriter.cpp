#include "kiln/util/tabwriter.h"

#include <vector>

namespace kiln::util {

namespace {

using Line = std::vector<std::string>;

class Writer {
public:
  Writer(std::vector<Line> lines, size_t min_width, size_t padding,
         size_t tab_width = 0)
    : m_lines(std::move(lines)), m_min_width(min_width), m_padding(padding),
      m_tab_width(tab_width)
  {}

  std::string run()
  {
    format(0, m_lines.size());
    return m_out;
  }

private:
  // A line has `size() - 1` cells that end in a tab.
  bool has_column(size_t line, size_t column) const
  {
    return column + 1 < m_lines[line].size();
  }

  void write_lines(size_t from, size_t to)
  {
    for (size_t i = from; i < to; ++i) {
      const Line& line = m_lines[i];
      for (size_t j = 0; j < line.size(); ++j) {
        m_out += line[j];
        if (j < m_widths.size() && j + 1 < line.size()) {
          pad(m_widths[j], line[j].size());
        }
      }
      if (i + 1 < m_lines.size()) {
        m_out += '\n';
      }
    }
  }

  // Pads a cell of `text` bytes to `width`: with spaces, or with tabs
  // up to the next multiple of the tab width.
  void pad(size_t width, size_t text)
  {
    if (m_tab_width == 0) {
      m_out.append(width - std::min(width, text), ' ');
      return;
    }
    size_t cell = (width + m_tab_width - 1) / m_tab_width * m_tab_width;
    size_t n = cell - std::min(cell, text);
    m_out.append((n + m_tab_width - 1) / m_tab_width, '\t');
  }

  void format(size_t line0, size_t line1)
  {
    size_t column = m_widths.size();
    for (size_t i = line0; i < line1; ++i) {
      if (!has_column(i, column)) {
        continue;
      }
      write_lines(line0, i);
      line0 = i;
      size_t width = m_min_width;
      for (; i < line1 && has_column(i, column); ++i) {
        width = std::max(width, m_lines[i][column].size() + m_padding);
      }
      m_widths.push_back(width);
      format(line0, i);
      m_widths.pop_back();
      line0 = i;
      --i;
    }
    write_lines(line0, line1);
  }

  std::vector<Line> m_lines;
  size_t m_min_width;
  size_t m_padding;
  size_t m_tab_width;
  std::vector<size_t> m_widths;
  std::string m_out;
};

std::vector<Line> split_lines(const std::string& text)
{
  std::vector<Line> lines(1);
  std::string cell;
  for (char c : text) {
    if (c == '\t') {
      lines.back().push_back(cell);
      cell.clear();
    } else if (c == '\n') {
      lines.back().push_back(cell);
      cell.clear();
      lines.emplace_back();
    } else {
      cell += c;
    }
  }
  lines.back().push_back(cell);
  return lines;
}

} // namespace

std::string tabwrite(const std::string& text, size_t min_width, size_t padding)
{
  return Writer(split_lines(text), min_width, padding).run();
}

std::string tabwrite_tabs(const std::string& text, size_t min_width,
                          size_t padding)
{
  return Writer(split_lines(text), min_width, padding, 8).run();
}

} // namespace kiln::util
