// The fuse module's switch for FUSE-over-io_uring: /sys/module/fuse/parameters/enable_uring.
//
// The kernel offers FUSE_OVER_IO_URING at INIT only while it reads Y. It is off by
// default; root may turn it on (it affects every later FUSE mount of the machine, which
// is why irpfs turns it on only when asked: FuseMountOptions::enableKernelUring, set by
// `irpfs mount -o uring`).
#pragma once

#include <string>

namespace irpfs::fuse {

enum class KernelUring { kUnavailable, kOff, kOn };

// kUnavailable: the kernel has no such parameter (too old, or built without it).
KernelUring KernelUringState();
// Writes Y to the parameter. True when it reads Y afterwards; else *error says why.
bool EnableKernelUring(std::string* error);
// Writes `value` (true: Y) back, e.g. to restore what a test found.
bool SetKernelUring(bool value, std::string* error);

}  // namespace irpfs::fuse
