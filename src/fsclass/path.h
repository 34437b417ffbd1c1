// Names and path walking for IRP_MJ_CREATE and rename/link targets.
//
// A volume path is "/a/b/c" (absolute, walked from the root) or "a/b/c" relative to a
// directory open. Components are bytes: no NUL, not empty, not "." or "..", at most 255
// bytes. The walk does not follow symlinks (the kernel resolves them for FUSE mounts).
#pragma once

#include <string_view>

#include "core/status.h"
#include "fsclass/fcb.h"
#include "fsclass/volume_context.h"

namespace irpfs::fsclass {

inline constexpr size_t kMaxComponentLength = 255;

NtStatus ValidateComponent(std::string_view name);

struct ParsedName {
  std::string_view relative;   // without the leading '/' and a trailing '/'; "" = the start
  bool trailingSlash = false;  // "a/b/": the target must be a directory
};
// Checks every component. Absolute names (no related open) must start with '/'; relative
// ones must not. STATUS_OBJECT_NAME_INVALID or STATUS_NAME_TOO_LONG on a bad name.
NtStatus ParseName(std::string_view fileName, bool absolute, ParsedName* out);

// The parent part and last component of a validated relative path ("a/b/c" -> "a/b", "c").
void SplitLast(std::string_view relative, std::string_view* dirPart, std::string_view* last);

// Looks `name` up in `dir`; the result is referenced. Not found comes back as
// STATUS_OBJECT_NAME_NOT_FOUND whatever code the mini used.
NtStatus LookupChild(VolumeContext& volume, const OperationContext& ctx, Fcb* dir,
                     std::string_view name, Fcb** out);

// Walks the directories of `dirPart` starting at `start` and returns the last, referenced
// (`start` itself, referenced again, when dirPart is empty). A missing or non-directory
// component is STATUS_OBJECT_PATH_NOT_FOUND.
NtStatus WalkDirectories(VolumeContext& volume, const OperationContext& ctx, Fcb* start,
                         std::string_view dirPart, Fcb** out);

}  // namespace irpfs::fsclass
