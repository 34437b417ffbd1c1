#include "control/text_table.h"

#include <algorithm>

namespace irpfs::control {

std::string FormatTable(const std::vector<std::vector<std::string>>& rows,
                        const std::vector<std::string>& prefixes) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line = r < prefixes.size() ? prefixes[r] : std::string();
    const auto& row = rows[r];
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out.push_back('\n');
  }
  return out;
}

}  // namespace irpfs::control
