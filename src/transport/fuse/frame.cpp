#include "transport/fuse/frame.h"

#include <cerrno>

#include "transport/fuse/fuse_abi.h"

namespace irpfs::fuse {

int WriteFrame(int fd, uint64_t unique, int32_t error, const iovec* payload, int count) {
  if (count < 0 || count > kMaxFramePieces) return -EINVAL;
  iovec pieces[kMaxFramePieces + 1];
  fuse_out_header header{0, error, unique};
  size_t total = sizeof header;
  pieces[0] = {&header, sizeof header};
  for (int i = 0; i < count; ++i) {
    pieces[i + 1] = payload[i];
    total += payload[i].iov_len;
  }
  header.len = static_cast<uint32_t>(total);
  for (;;) {
    ssize_t written = writev(fd, pieces, count + 1);
    if (written >= 0) {
      // /dev/fuse and SOCK_SEQPACKET take a message whole or not at all.
      return static_cast<size_t>(written) == total ? 0 : -EIO;
    }
    if (errno != EINTR) return -errno;
  }
}

}  // namespace irpfs::fuse
