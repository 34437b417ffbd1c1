// Reply framing: a fuse_out_header in front of the payload, written with one writev(2).
#pragma once

#include <sys/uio.h>

#include <cstdint>

namespace irpfs::fuse {

// Most payload pieces a frame takes (plus the header).
inline constexpr int kMaxFramePieces = 34;

// Writes one reply (or, with unique 0 and error = notify code, one notification).
// `error` is 0 or a negative errno for replies. Returns 0 or -errno: -ENOENT means the
// kernel no longer waits for this unique (the request was interrupted and abandoned),
// which is not an error for the caller.
int WriteFrame(int fd, uint64_t unique, int32_t error, const iovec* payload, int count);

}  // namespace irpfs::fuse
