// Names for the numbers a trace line shows, beyond the core's IrpMajorName/StatusName.
// Unknown values give "" so the formatter can fall back to the number.
#pragma once

#include <cstdint>
#include <string_view>

namespace irpfs::trace {

std::string_view FileInformationClassName(uint32_t infoClass);  // "FileStatInformation"
std::string_view FsInformationClassName(uint32_t infoClass);    // "FileFsSizeInformation"
std::string_view CreateDispositionName(uint32_t disposition);   // "FILE_OPEN_IF"
std::string_view CreateActionName(uint64_t action);             // "FILE_CREATED"

}  // namespace irpfs::trace
