#include "stages/admin/table_printer.hpp"

#include <algorithm>
#include <ostream>

namespace admin {

namespace {

// Display width, counting UTF-8 sequences as one column each.
std::size_t width(const std::string& text)
{
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

} // namespace

void TablePrinter::print(std::ostream& out) const
{
  std::vector<std::size_t> widths(m_headers.size());
  for (std::size_t i = 0; i < m_headers.size(); ++i) {
    widths[i] = width(m_headers[i]);
    for (const auto& row : m_rows) {
      if (i < row.size()) {
        widths[i] = std::max(widths[i], width(row[i]));
      }
    }
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      out << cell;
      if (i + 1 < widths.size()) {
        out << std::string(widths[i] - width(cell) + 2, ' ');
      }
    }
    out << "\n";
  };
  line(m_headers);
  std::vector<std::string> rule;
  for (const auto w : widths) {
    rule.emplace_back(w, '-');
  }
  line(rule);
  for (const auto& row : m_rows) {
    line(row);
  }
}

} // namespace admin
