// CopyRange: copy_file_range(2) between the two opens' host descriptors, so the host file
// system copies (reflinks on btrfs/XFS, page-cache copies on tmpfs) and no byte passes
// through the mirror. Where the host refuses (two host file systems below the source,
// an old kernel) the copy goes through a buffer, as the kernel's own fallback does.
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

// Errors that mean "the host cannot copy these two descriptors itself", not "the copy
// failed": worth the buffered fallback while nothing has been copied yet.
bool HostCannotCopy(int err) {
  return err == EXDEV || err == EOPNOTSUPP || err == ENOSYS || err == EINVAL;
}

// pread/pwrite through a buffer until done or a short read at end of file. -errno when
// nothing was copied.
int64_t CopyThroughBuffer(int in, uint64_t inOffset, int out, uint64_t outOffset, uint64_t length) {
  std::unique_ptr<char, decltype(&std::free)> buffer(
      static_cast<char*>(std::malloc(std::min<uint64_t>(length, kBounceSize))), &std::free);
  if (!buffer) return -ENOMEM;
  uint64_t done = 0;
  while (done < length) {
    size_t want = std::min<uint64_t>(length - done, kBounceSize);
    ssize_t got = pread(in, buffer.get(), want, static_cast<off_t>(inOffset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return done > 0 ? static_cast<int64_t>(done) : -errno;
    if (got == 0) break;
    ssize_t put = 0;
    while (put < got) {
      ssize_t n = pwrite(out, buffer.get() + put, static_cast<size_t>(got - put),
                         static_cast<off_t>(outOffset + done + put));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        done += static_cast<uint64_t>(put);
        return done > 0 ? static_cast<int64_t>(done) : -errno;
      }
      put += n;
    }
    done += static_cast<uint64_t>(got);
  }
  return static_cast<int64_t>(done);
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
  struct statx stx;
  bool setId = host::StatAt(dst->fd, "", &stx) == 0 && (stx.stx_mode & (S_ISUID | S_ISGID));
  std::optional<IdentityScope> identity;
  if (setId) {
    identity.emplace(identity_, ctx.requestor);
    if (!identity->ok()) return NtStatus::AccessDenied;
  }
  uint64_t done = 0;
  while (done < length) {
    auto inOffset = static_cast<off_t>(srcOffset + done);
    auto outOffset = static_cast<off_t>(dstOffset + done);
    ssize_t n = copy_file_range(src->fd, &inOffset, dst->fd, &outOffset, length - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      if (done == 0 && HostCannotCopy(err)) {
        int64_t r = CopyThroughBuffer(src->fd, srcOffset, dst->fd, dstOffset, length);
        if (r < 0) return host::HostStatus(static_cast<int>(-r));
        *copied = static_cast<uint64_t>(r);
        return NtStatus::Success;
      }
      if (done > 0) break;  // as write(2): the part copied counts, the error comes next time
      return host::HostStatus(err);
    }
    if (n == 0) break;  // the source's end of file
    done += static_cast<uint64_t>(n);
  }
  *copied = done;
  return NtStatus::Success;
}

}  // namespace irpfs::mirror
