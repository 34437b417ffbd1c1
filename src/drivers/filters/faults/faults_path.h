// The path the faults filter matches path= patterns against.
//
// The path is the file object's name joined onto the names of its related file objects
// (the open it was made relative to), outermost first, without a leading '/'. The
// in-process transport gives every open its full volume path, so the path is exact. The
// FUSE transport opens by name relative to the parent directory's open, so the path is
// as deep as that chain of related opens goes: a pattern without '/' (matched against
// the last component, "*.db") always works, one with '/' only when the chain reaches the
// root. Paths longer than the buffer are cut at the front (the last components are kept).
#pragma once

#include <cstddef>
#include <string_view>

namespace irpfs {
class FileObject;
}

namespace irpfs::faults {

inline constexpr size_t kMaxFaultPath = 1024;

// Writes the path into buffer (NUL-terminated) and returns it ("" without a name).
std::string_view FaultsFilePath(const FileObject* fileObject, char (&buffer)[kMaxFaultPath]);

// fnmatch(3) of `pattern` against `path` (NUL-terminated at path.size()): patterns with a
// '/' against the whole path, others against its last component.
bool FaultsPathMatches(const char* pattern, std::string_view path);

}  // namespace irpfs::faults
