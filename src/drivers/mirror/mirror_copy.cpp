// CopyRange: copy_file_range(2) between the two opens' host descriptors, so the host file
// system copies (reflinks on btrfs/XFS, page-cache copies on tmpfs) and no byte passes
// through the mirror. Where the host refuses (two host file systems below the source,
// an old kernel) the copy goes through a buffer, as the kernel's own fallback does.
// Either way it goes in pieces, and a cancelled IRP stops it between two (a short count).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <optional>

#include "drivers/mirror/host_calls.h"
#include "drivers/mirror/mirror.h"

namespace irpfs::mirror {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

constexpr size_t kBounceSize = 1 << 20;
// The most one copy_file_range(2) call is asked for: a cancelled IRP (FUSE_INTERRUPT)
// stops the copy after the piece in progress, not after the whole range.
constexpr uint64_t kHostCopyPiece = uint64_t{16} << 20;

// Errors that mean "the host cannot copy these two descriptors itself", not "the copy
// failed": worth the buffered fallback while nothing has been copied yet.
bool HostCannotCopy(int err) {
  return err == EXDEV || err == EOPNOTSUPP || err == ENOSYS || err == EINVAL;
}

// How a copy loop ends: *copied is what was done. An error after some bytes is not
// reported (as write(2): the part copied counts, the error comes next time); a cancel
// after some bytes is, with them.
NtStatus CopyEnded(uint64_t done, int err, bool cancelled, uint64_t* copied) {
  *copied = done;
  if (cancelled) return NtStatus::Cancelled;
  if (err != 0 && done == 0) return host::HostStatus(err);
  return NtStatus::Success;
}

// pread/pwrite through a buffer until done, a short read at end of file, an error or a
// cancel between two buffers.
NtStatus CopyThroughBuffer(const OperationContext& ctx, int in, uint64_t inOffset, int out,
                           uint64_t outOffset, uint64_t length, uint64_t* copied) {
  std::unique_ptr<char, decltype(&std::free)> buffer(
      static_cast<char*>(std::malloc(std::min<uint64_t>(length, kBounceSize))), &std::free);
  if (!buffer) return CopyEnded(0, ENOMEM, false, copied);
  uint64_t done = 0;
  while (done < length) {
    if (done > 0 && ctx.Cancelled()) return CopyEnded(done, 0, true, copied);
    size_t want = std::min<uint64_t>(length - done, kBounceSize);
    ssize_t got = pread(in, buffer.get(), want, static_cast<off_t>(inOffset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return CopyEnded(done, errno, false, copied);
    if (got == 0) break;
    ssize_t put = 0;
    while (put < got) {
      ssize_t n = pwrite(out, buffer.get() + put, static_cast<size_t>(got - put),
                         static_cast<off_t>(outOffset + done + put));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return CopyEnded(done + static_cast<uint64_t>(put), errno, false, copied);
      put += n;
    }
    done += static_cast<uint64_t>(got);
  }
  return CopyEnded(done, 0, false, copied);
}

}  // namespace

NtStatus MirrorFs::CopyRange(const OperationContext& ctx, NodeRef, void* srcOpen,
                             uint64_t srcOffset, NodeRef, void* dstOpen, uint64_t dstOffset,
                             uint64_t length, uint64_t* copied) {
  *copied = 0;
  OpenFileUse src(srcOpen);
  OpenFileUse dst(dstOpen);
  if (!src.ok() || !dst.ok()) {
    return srcOpen && dstOpen ? NtStatus::FileClosed : NtStatus::InvalidHandle;
  }
  if (src->accessMode == O_WRONLY || dst->accessMode == O_RDONLY) return NtStatus::InvalidHandle;
  // As Write: a copy by a caller without CAP_FSETID clears the destination's set-ID
  // bits, which the root server's own copy would keep; switch identity only then.
  bool setId = HasSetIdBits(dst->fd);
  std::optional<IdentityScope> identity;
  if (setId) {
    identity.emplace(identity_, ctx.requestor);
    if (!identity->ok()) return NtStatus::AccessDenied;
    ctx.ReportAttributesChanged();
  }
  uint64_t done = 0;
  while (done < length) {
    if (done > 0 && ctx.Cancelled()) return CopyEnded(done, 0, true, copied);
    auto inOffset = static_cast<off_t>(srcOffset + done);
    auto outOffset = static_cast<off_t>(dstOffset + done);
    size_t piece = std::min(length - done, kHostCopyPiece);
    ssize_t n = copy_file_range(src->fd, &inOffset, dst->fd, &outOffset, piece, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      if (done == 0 && HostCannotCopy(err)) {
        return CopyThroughBuffer(ctx, src->fd, srcOffset, dst->fd, dstOffset, length, copied);
      }
      return CopyEnded(done, err, false, copied);
    }
    if (n == 0) break;  // the source's end of file
    done += static_cast<uint64_t>(n);
  }
  return CopyEnded(done, 0, false, copied);
}

}  // namespace irpfs::mirror
