// ReplySink: where a reply goes when it does not go to a /dev/fuse fd with writev(2).
//
// A FUSE-over-io_uring request must be answered through the ring entry it arrived in
// (uring_queue.h); the in-flight record carries the sink and the entry (`token`), and
// Reply::Send hands the framed answer to the sink instead of WriteFrame.
//
// Threads: Send may be called from any thread, with the record's mutex held; it must not
// block on the thread that owns the sink.
#pragma once

#include <sys/uio.h>

#include <cstdint>

namespace irpfs::fuse {

class ReplySink {
 public:
  // `error` is 0 or a negative errno, as in fuse_out_header. Returns 0 or -errno.
  virtual int Send(void* token, uint64_t unique, int32_t error, const iovec* payload,
                   int count) = 0;

 protected:
  ~ReplySink() = default;
};

}  // namespace irpfs::fuse
