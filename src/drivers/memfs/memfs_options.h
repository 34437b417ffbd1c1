// Options of a memfs volume and their text form, e.g. "capacity=64M,inodes=10000".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace irpfs::memfs {

struct MemfsOptions {
  uint64_t capacityBytes = uint64_t{1} << 30;  // data, symlink targets and xattrs
  uint64_t maxInodes = uint64_t{1} << 20;      // including the root
  std::string label = "memfs";                 // volume label (at most 63 bytes)
  // Owner and permissions of the root directory; uid/gid -1 = the process's own.
  uint32_t rootMode = 0755;
  int64_t rootUid = -1;
  int64_t rootGid = -1;
};

// Parses comma-separated key=value pairs over the defaults: capacity=<size> (suffix K, M,
// G or T, powers of 1024), inodes=<count>, label=<text>, mode=<octal root permissions>,
// uid=<n>, gid=<n>. An empty string gives the
// defaults. STATUS_INVALID_PARAMETER for an unknown key, a malformed or zero number, or
// an over-long label; *options is unchanged then.
NtStatus ParseMemfsOptions(std::string_view text, MemfsOptions* options);

}  // namespace irpfs::memfs
