// Left-aligned text columns, two spaces apart, for the tool's tables.
#pragma once

#include <string>
#include <vector>

namespace irpfs::control {

// Each row becomes one line ending in '\n', cells padded to the widest in their column
// (the last cell is not padded, so no line has trailing spaces). `prefixes` (optional,
// one per row) is written before each row unpadded, e.g. a "> " marker.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows,
                        const std::vector<std::string>& prefixes = {});

}  // namespace irpfs::control
