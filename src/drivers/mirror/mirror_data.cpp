// Opens and data: per-open descriptors, read, write, flush, fallocate, SEEK_DATA/HOLE.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "drivers/mirror/host_calls.h"
#include "drivers/mirror/mirror.h"

namespace irpfs::mirror {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

using host::StatusOf;

// O_DIRECT may want the memory aligned too, and transports hand buffers at any address
// (a FUSE write payload sits after its headers). Whether it must be depends on the host
// file system: ext4 and xfs refuse unaligned memory (EINVAL), tmpfs takes any. So an
// open first passes the caller's buffer as it is, and only after a refusal do its
// unaligned transfers bounce through this buffer (a 4 KiB copy each), which grows once
// per thread and is then reused.
constexpr size_t kDirectAlignment = 4096;

struct BounceBuffer {
  void* data = nullptr;
  size_t size = 0;
  ~BounceBuffer() { std::free(data); }
  void* Get(size_t length) {
    size_t need = (length + kDirectAlignment - 1) & ~(kDirectAlignment - 1);
    if (need > size) {
      std::free(data);
      data = std::aligned_alloc(kDirectAlignment, need);
      size = data ? need : 0;
    }
    return data;
  }
};
thread_local BounceBuffer bounce;

bool Unaligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % kDirectAlignment != 0;
}

// Whether `open`'s transfers from `p` go through the bounce buffer.
bool Bounces(const OpenFile& open, const void* p) {
  return open.direct && Unaligned(p) && open.alignMemory.load(std::memory_order_relaxed);
}

// After a transfer from `used` failed with errno: true when that was the host refusing
// unaligned memory for the first time, so the transfer is worth a retry (which bounces).
bool LearnsToAlign(OpenFile& open, const void* used) {
  if (errno != EINVAL || !open.direct || !Unaligned(used)) return false;
  return !open.alignMemory.exchange(true, std::memory_order_relaxed);
}

}  // namespace

int MirrorFs::Reopen(Node* node, int flags) {
  int fd = ForEachName(node, [&](int parentFd, const char* name) {
    int opened = host::OpenBeneath(parentFd, name, flags);
    if (opened < 0) return opened;
    struct statx stx;
    int r = host::StatAt(opened, "", &stx);
    if (r == 0 && stx.stx_ino == node->ino &&
        makedev(stx.stx_dev_major, stx.stx_dev_minor) == node->dev) {
      return opened;
    }
    close(opened);
    // The name names another file now (changed behind the mirror's back): try the next.
    return r < 0 ? r : -ENOENT;
  });
  if (fd != -ENOENT) return fd;
  if (node->isRegular()) return ReopenNameless(node, flags);
  if (!node->isDirectory()) return fd;
  // A directory can always be reopened exactly, through ".".
  do {
    fd = openat(node->fd, ".", flags | O_CLOEXEC | O_DIRECTORY);
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? -errno : fd;
}

int MirrorFs::ReopenNameless(Node* node, int flags) {
  // The last resort, for a file whose every name is gone (unlinked while the kernel or a
  // client still holds it, as `open("/proc/PID/fd/N")` of an unlinked file asks) or was
  // changed behind the mirror's back: Linux reopens an inode without a name only through
  // its /proc/self/fd magic link. That link is the mirror's own O_PATH descriptor, so it
  // leads to exactly this inode and nowhere else; the host checks the caller's permission
  // on the inode as for any open. Names in the source are never resolved this way.
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", node->fd);
  int fd;
  do {
    fd = open(path, (flags & ~O_CREAT) | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return -ENOENT;  // no /proc: the file cannot be reopened
  struct statx stx;
  if (host::StatAt(fd, "", &stx) != 0 || stx.stx_ino != node->ino ||
      makedev(stx.stx_dev_major, stx.stx_dev_minor) != node->dev) {
    close(fd);
    return -ENOENT;
  }
  return fd;
}

int MirrorFs::AdoptCreatedFd(int created, int flags) {
  // Only the flags fcntl can set may differ from the create's O_RDWR; O_SYNC and O_DSYNC
  // cannot be set afterwards, so such an open reopens.
  int extra = flags & (O_APPEND | O_DIRECT | O_NOATIME);
  if ((flags & O_DSYNC) == 0 && (extra == 0 || fcntl(created, F_SETFL, extra) == 0)) {
    return created;
  }
  close(created);
  return -1;
}

NtStatus MirrorFs::Open(const OperationContext& ctx, NodeRef nodeRef, uint32_t grantedAccess,
                        uint32_t openFlags, void** openContext) {
  Node* node = NodeOf(nodeRef);
  *openContext = nullptr;
  bool read = grantedAccess & access::kReadData;
  bool write = grantedAccess & (access::kWriteData | access::kAppendData);
  // The descriptor Create kept when this open made the file: used below for a writing
  // open, closed otherwise (held read-write, it would make exec of the file ETXTBSY).
  int created = (openFlags & O_CREAT) ? node->TakeCreatedFd() : -1;
  if (created >= 0 && !write) {
    close(created);
    created = -1;
  }
  if (!read && !write) return NtStatus::Success;
  // A symlink's data is never opened: that would follow it (ELOOP, as O_NOFOLLOW says).
  if (node->type == S_IFLNK) return NtStatus::StoppedOnSymlink;
  // The caller just created the file (under its own identity): its open is granted whatever
  // mode the file got, as open(O_CREAT) does on the host, so the server opens it.
  std::optional<IdentityScope> identity;
  if (!(openFlags & O_CREAT)) identity.emplace(identity_, ctx.requestor);
  if (identity && !identity->ok()) return NtStatus::AccessDenied;
  if (!node->isRegular()) {
    // Only regular files get a descriptor here: opening a FIFO or a device would act on
    // it, and a directory's stream opens its descriptor at the first enumeration (many
    // directory opens never list). The host still decides whether the caller may open it.
    int mode = (read ? R_OK : 0) | (write ? W_OK : 0);
    if (faccessat(node->fd, "", mode, AT_EACCESS | AT_EMPTY_PATH) != 0)
      return host::HostStatus(errno);
    if (read && node->isDirectory()) {
      auto* open = new OpenFile;
      open->accessMode = O_RDONLY;
      open->directory = std::make_shared<DirStream>();
      *openContext = open;
    }
    return NtStatus::Success;
  }
  int flags = read && write ? O_RDWR : write ? O_WRONLY : O_RDONLY;
  int accessMode = flags;
  flags |= openFlags & (O_APPEND | O_DIRECT | O_SYNC | O_DSYNC | O_NOATIME);
  if ((grantedAccess & access::kAppendData) && !(grantedAccess & access::kWriteData)) {
    flags |= O_APPEND;
  }
  int fd = created >= 0 ? AdoptCreatedFd(created, flags) : -1;
  if (fd < 0) fd = Reopen(node, flags | O_LARGEFILE);
  if (fd == -ELOOP) return NtStatus::StoppedOnSymlink;
  if (fd == -ENOENT) return NtStatus::ObjectNameNotFound;
  if (fd < 0) return StatusOf(fd);
  auto* open = new OpenFile;
  open->fd = fd;
  open->accessMode = accessMode;
  open->direct = (flags & O_DIRECT) != 0;
  *openContext = open;
  return NtStatus::Success;
}

void MirrorFs::Cleanup(const OperationContext&, NodeRef, void* openContext) {
  CleanupLocks(openContext);
  if (auto* open = static_cast<OpenFile*>(openContext)) open->Cleanup();
}

void MirrorFs::Close(NodeRef, void* openContext) {
  auto* open = static_cast<OpenFile*>(openContext);
  if (open == nullptr) return;
  open->Cleanup();  // CLOSE without CLEANUP (a file object that never had a handle)
  delete open;      // no IRP references the open any more
}

NtStatus MirrorFs::GetBackingDescriptor(const OperationContext&, NodeRef, void* openContext,
                                        int* fd) {
  *fd = -1;
  if (openContext == nullptr) return NtStatus::InvalidHandle;
  OpenFileUse open(openContext);
  if (!open.ok()) return NtStatus::FileClosed;
  if (open->fd < 0) return NtStatus::InvalidHandle;  // a directory's open
  // A set-ID file stays served by us: a passthrough write runs with the server's
  // CAP_FSETID, and with FUSE_HANDLE_KILLPRIV_V2 the kernel leaves dropping the bits to
  // the server, which would never see the write. (Bits set while the file is already
  // open for passthrough are not caught: docs/mirror.md.)
  if (HasSetIdBits(open->fd)) return NtStatus::InvalidDeviceRequest;
  *fd = open->fd;
  return NtStatus::Success;
}

NtStatus MirrorFs::Read(const OperationContext& ctx, NodeRef nodeRef, void* openContext,
                        void* buffer, uint32_t length, uint64_t offset, uint32_t* bytesRead) {
  *bytesRead = 0;
  OpenFileUse open(openContext);
  if (!open.ok()) return openContext ? NtStatus::FileClosed : NtStatus::InvalidHandle;
  if (open->accessMode == O_WRONLY) return NtStatus::InvalidHandle;
  char* into = static_cast<char*>(buffer);
  bool bounced = Bounces(*open, buffer);
  if (bounced) {
    into = static_cast<char*>(bounce.Get(length));
    if (into == nullptr) return NtStatus::NoMemory;
  }
  // A short read means end of file to the caller, so keep going until the host says so.
  uint32_t done = 0;
  while (done < length) {
    ssize_t n = pread(open->fd, into + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (done > 0) break;
      if (LearnsToAlign(*open, into)) {
        return Read(ctx, nodeRef, openContext, buffer, length, offset, bytesRead);
      }
      return host::HostStatus(errno);
    }
    if (n == 0) break;
    done += static_cast<uint32_t>(n);
    if (open->direct) break;  // a direct read may end short only at end of file
  }
  if (bounced) std::memcpy(buffer, into, done);
  *bytesRead = done;
  return NtStatus::Success;
}

NtStatus MirrorFs::Write(const OperationContext& ctx, NodeRef nodeRef, void* openContext,
                         const void* buffer, uint32_t length, uint64_t offset, bool append,
                         uint32_t* bytesWritten, uint64_t* writeOffset) {
  *bytesWritten = 0;
  OpenFileUse open(openContext);
  if (!open.ok()) return openContext ? NtStatus::FileClosed : NtStatus::InvalidHandle;
  if (open->accessMode == O_RDONLY) return NtStatus::InvalidHandle;
  const char* from = static_cast<const char*>(buffer);
  if (Bounces(*open, buffer)) {
    void* aligned = bounce.Get(length);
    if (aligned == nullptr) return NtStatus::NoMemory;
    std::memcpy(aligned, buffer, length);
    from = static_cast<const char*>(aligned);
  }
  // The caller's identity matters to a write only through the set-ID bits: a write by
  // anyone without CAP_FSETID clears them, which a root server would otherwise keep. One
  // statx is far cheaper than switching credentials on every write, and none is needed
  // when the sender says the writer holds CAP_FSETID. The host may drop the bits, so the
  // kernel's copy of the mode goes (for root's write, needlessly).
  bool setId = ctx.setIdOnWrite != fsclass::SetIdOnWrite::kKeep && HasSetIdBits(open->fd);
  std::optional<IdentityScope> identity;
  if (setId) {
    identity.emplace(identity_, ctx.requestor);
    if (!identity->ok()) return NtStatus::AccessDenied;
    ctx.ReportAttributesChanged();
  }
  const bool rootWithoutFsetid =
      setId && ctx.setIdOnWrite == fsclass::SetIdOnWrite::kDrop && ctx.requestor.uid == 0;
  if (append) {
    // RWF_APPEND writes at the end whatever the descriptor's flags, in one step; the
    // position it leaves says where the data landed.
    iovec iov{const_cast<char*>(from), length};
    ssize_t n;
    do {
      n = pwritev2(open->fd, &iov, 1, -1, RWF_APPEND);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && LearnsToAlign(*open, from)) {
      return Write(ctx, nodeRef, openContext, buffer, length, offset, append, bytesWritten,
                   writeOffset);
    }
    if (n < 0) return host::HostStatus(errno);
    off_t end = lseek(open->fd, 0, SEEK_CUR);
    if (rootWithoutFsetid) DropSetIdBitsAfterRootWrite(open->fd, ctx.requestor);
    *bytesWritten = static_cast<uint32_t>(n);
    *writeOffset = end >= n ? static_cast<uint64_t>(end - n) : 0;
    return NtStatus::Success;
  }
  uint32_t done = 0;
  while (done < length) {
    ssize_t n = pwrite(open->fd, from + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (done > 0) break;  // as write(2): the part written counts, the error comes next time
      if (LearnsToAlign(*open, from)) {
        return Write(ctx, nodeRef, openContext, buffer, length, offset, append, bytesWritten,
                     writeOffset);
      }
      return host::HostStatus(errno);
    }
    done += static_cast<uint32_t>(n);
  }
  if (rootWithoutFsetid) DropSetIdBitsAfterRootWrite(open->fd, ctx.requestor);
  *bytesWritten = done;
  *writeOffset = offset;
  return NtStatus::Success;
}

NtStatus MirrorFs::Flush(const OperationContext& ctx, NodeRef nodeRef, void* openContext,
                         bool dataOnly) {
  OpenFileUse open(openContext);
  int fd = open.ok() ? open->fd : -1;
  bool owned = false;
  if (fd < 0) {
    // fsync needs a real descriptor; a read-only one is enough (fsyncdir too).
    IdentityScope identity(identity_, ctx.requestor);
    if (!identity.ok()) return NtStatus::AccessDenied;
    Node* node = NodeOf(nodeRef);
    if (!node->isRegular() && !node->isDirectory()) return NtStatus::Success;
    fd = Reopen(node, O_RDONLY | O_NONBLOCK);
    if (fd < 0) return StatusOf(fd);
    owned = true;
  }
  int r = dataOnly ? fdatasync(fd) : fsync(fd);
  int err = errno;
  if (owned) close(fd);
  return r == 0 ? NtStatus::Success : host::HostStatus(err);
}

NtStatus MirrorFs::Allocate(const OperationContext& ctx, NodeRef nodeRef, void* openContext,
                            uint64_t offset, uint64_t length, uint32_t mode) {
  Node* node = NodeOf(nodeRef);
  if (node->isDirectory()) return NtStatus::FileIsADirectory;
  OpenFileUse open(openContext);
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  int fd = open.ok() && open->accessMode != O_RDONLY ? open->fd : -1;
  bool owned = false;
  if (fd < 0) {
    fd = Reopen(node, O_WRONLY);
    if (fd < 0) return StatusOf(fd);
    owned = true;
  }
  // The host drops set-ID bits on fallocate by another user, as on a write.
  if (HasSetIdBits(fd)) ctx.ReportAttributesChanged();
  int r;
  do {
    r = fallocate(fd, static_cast<int>(mode), static_cast<off_t>(offset),
                  static_cast<off_t>(length));
  } while (r != 0 && errno == EINTR);
  int err = errno;
  if (owned) close(fd);
  return r == 0 ? NtStatus::Success : host::HostStatus(err);
}

NtStatus MirrorFs::SeekData(const OperationContext& ctx, NodeRef nodeRef, uint32_t whence,
                            uint64_t* offset) {
  Node* node = NodeOf(nodeRef);
  if (node->isDirectory()) return NtStatus::FileIsADirectory;
  if (!node->isRegular()) return NtStatus::InvalidParameter;
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  // lseek needs an open descriptor and SeekData has no open: a read-only one, or a
  // write-only one for a caller who may only write.
  int fd = Reopen(node, O_RDONLY);
  if (fd == -EACCES) fd = Reopen(node, O_WRONLY);
  if (fd < 0) return StatusOf(fd);
  off_t r = lseek(fd, static_cast<off_t>(*offset), static_cast<int>(whence));
  int err = errno;
  close(fd);
  if (r < 0) return host::HostStatus(err);
  *offset = static_cast<uint64_t>(r);
  return NtStatus::Success;
}

}  // namespace irpfs::mirror
