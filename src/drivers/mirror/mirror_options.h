// Options of a mirror volume and the check of its source directory.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace irpfs::mirror {

struct MirrorOptions {
  std::string source;            // the host directory to mirror
  std::string label = "mirror";  // volume label (at most 63 bytes)
  bool dirReadAhead = true;      // read a listing's next records ahead (dir_read_ahead.h)
};

// Parses comma-separated key=value pairs over *options: source=<path>, label=<text>,
// dir_readahead=on|off.
// A bare word (no '=') is taken as the source when none was given. STATUS_INVALID_PARAMETER
// for an unknown key or an over-long label; *options is unchanged then.
NtStatus ParseMirrorOptions(std::string_view text, MirrorOptions* options);

// Refuses a source that does not exist (STATUS_OBJECT_PATH_NOT_FOUND), is not a directory
// (STATUS_NOT_A_DIRECTORY), or is the mount point or one of its ancestors
// (STATUS_INVALID_PARAMETER: the mount would hide the source and mirror itself). An empty
// mountPoint skips that check. *message receives one line saying why.
NtStatus ValidateMirrorSource(std::string_view source, std::string_view mountPoint,
                              std::string* message);

}  // namespace irpfs::mirror
