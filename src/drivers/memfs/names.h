// What memfs accepts as a name in a directory.
#pragma once

#include <string_view>

#include "core/status.h"

namespace irpfs::memfs {

inline constexpr uint32_t kMaxNameLength = 255;      // NAME_MAX
inline constexpr uint32_t kMaxSymlinkLength = 4095;  // PATH_MAX - 1

// A single path component: not empty, not "." or "..", no '/' or NUL, at most NAME_MAX.
inline NtStatus ValidateName(std::string_view name) {
  if (name.size() > kMaxNameLength) return NtStatus::NameTooLong;
  if (name.empty() || name == "." || name == "..") return NtStatus::ObjectNameInvalid;
  if (name.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) {
    return NtStatus::ObjectNameInvalid;
  }
  return NtStatus::Success;
}

}  // namespace irpfs::memfs
