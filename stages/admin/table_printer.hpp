#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace admin {

// A plain-text table for the CLI's human output: columns padded to their widest cell.
class TablePrinter
{
public:
  explicit TablePrinter(std::vector<std::string> headers) : m_headers(std::move(headers)) {}
  void add(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
  void print(std::ostream& out) const;

private:
  std::vector<std::string> m_headers;
  std::vector<std::vector<std::string>> m_rows;
};

} // namespace admin
