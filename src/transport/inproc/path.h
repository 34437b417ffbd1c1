// Internal to inproc: turning a caller's path into the volume path an IRP_MJ_CREATE
// carries, and splitting FindFirstFile's "dir/pattern".
//
// Callers may write '/' or '\' and repeat separators; the result is absolute, '/'-
// separated, with no trailing separator ("/" is the root). Unlike Win32, "." and ".."
// components are refused (STATUS_OBJECT_NAME_INVALID) rather than resolved, as NT's own
// NtCreateFile does: the API is for tests and embedding, and a name that silently means
// another name hides bugs. An embedded NUL or an empty path is refused the same way, before
// any IRP is built. Component length is the file system's business (the volume reports
// its maximumComponentNameLength).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace irpfs::inproc::detail {

inline constexpr char kVolumeSeparator = '/';

NtStatus NormalizePath(std::string_view path, std::string* out);

// "dir/*.txt" -> directory "/dir", pattern "*.txt". A path ending in a separator (or
// naming the root) gets the pattern "*".
NtStatus SplitSearchPath(std::string_view path, std::string* directory, std::string* pattern);

}  // namespace irpfs::inproc::detail
