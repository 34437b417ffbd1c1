// Attributes (stat, POSIX setattr, FileBasicInformation) and extended attributes.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "drivers/mirror/host_calls.h"
#include "drivers/mirror/mirror.h"

namespace irpfs::mirror {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

using host::StatusOf;

bool IsSet(const FileTimeSpec& t) {
  return t.sec != 0 || t.nsec != 0;
}

timespec TimeOf(const FileTimeSpec& t) {
  return {static_cast<time_t>(t.sec), static_cast<long>(t.nsec)};
}

int SetTimes(int fd, const timespec (&times)[2]) {
  return utimensat(fd, "", times, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

// A missing attribute, as memfs reports it (ENODATA either way).
NtStatus XattrStatusOf(long negativeErrno) {
  if (negativeErrno == -ENODATA) return NtStatus::NonexistentEaEntry;
  if (negativeErrno == -EEXIST) return NtStatus::ObjectNameCollision;
  return StatusOf(negativeErrno);
}

bool CopyAttrName(std::string_view name, char (&out)[XATTR_NAME_MAX + 1]) {
  if (name.empty() || name.size() > XATTR_NAME_MAX || name.find('\0') != std::string_view::npos) {
    return false;
  }
  std::memcpy(out, name.data(), name.size());
  out[name.size()] = '\0';
  return true;
}

}  // namespace

NtStatus MirrorFs::GetFileInformation(const OperationContext&, NodeRef nodeRef, FileStat* stat) {
  // An O_PATH descriptor needs no permission to stat: no identity switch on this hot path.
  struct statx stx;
  if (int r = host::StatAt(NodeOf(nodeRef)->fd, "", &stx); r < 0) return StatusOf(r);
  FillStat(stx, stat);
  return NtStatus::Success;
}

int MirrorFs::ChmodHost(Node* node, mode_t mode) {
  int r = host::ChmodNode(node->fd, mode);
  if (r == -ENOSYS && (node->isRegular() || node->isDirectory())) {
    // Before fchmodat2 (Linux 6.6): fchmod on a reopened descriptor. Needs read access.
    int fd = Reopen(node, O_RDONLY | O_NONBLOCK);
    if (fd < 0) return fd;
    r = fchmod(fd, mode) == 0 ? 0 : -errno;
    close(fd);
  }
  return r;
}

bool MirrorFs::HasSetIdBits(int fd) {
  struct statx stx;
  return host::StatAt(fd, "", &stx) == 0 && (stx.stx_mode & (S_ISUID | S_ISGID));
}

void MirrorFs::DropSetIdBitsAfterRootWrite(int fd, const Requestor& requestor) {
  struct statx stx;
  if (host::StatAt(fd, "", &stx) != 0) return;
  mode_t mode = stx.stx_mode & 07777;
  // Set-user-ID always; set-group-ID when it means that (group execute) or the writer is
  // outside the file's group (root's supplementary groups are not known here).
  mode_t kill = mode & S_ISUID;
  if ((mode & S_ISGID) && ((mode & S_IXGRP) || requestor.gid != stx.stx_gid)) kill |= S_ISGID;
  if (kill != 0) fchmod(fd, mode & ~kill);
}

bool MirrorFs::DropsOnlySetIdBits(Node* node, uint32_t mode) {
  struct statx stx;
  if (host::StatAt(node->fd, "", &stx) != 0) return false;
  mode_t have = stx.stx_mode & 07777;
  mode_t want = mode & 07777;
  mode_t dropped = have & ~want;
  return dropped != 0 && (want & ~have) == 0 && (dropped & ~(S_ISUID | S_ISGID)) == 0;
}

bool MirrorFs::CallerMayWrite(const OperationContext& ctx, Node* node) {
  IdentityScope identity(identity_, ctx.requestor);
  return identity.ok() && faccessat(node->fd, "", W_OK, AT_EACCESS | AT_EMPTY_PATH) == 0;
}

NtStatus MirrorFs::SetFileInformation(const OperationContext& ctx, NodeRef nodeRef,
                                      void* openContext, const FilePosixInfo& info) {
  Node* node = NodeOf(nodeRef);
  if ((info.valid & posix_valid::kSize) && node->isDirectory()) return NtStatus::FileIsADirectory;
  if ((info.valid & posix_valid::kSize) && !node->isRegular()) return NtStatus::InvalidParameter;
  uint32_t valid = info.valid;
  if ((valid & posix_valid::kMode) && DropsOnlySetIdBits(node, info.mode) &&
      CallerMayWrite(ctx, node)) {
    // FUSE without handle_killpriv clears the set-ID bits after a write or truncate by
    // another user with a SETATTR of the mode from that writer. The host refuses a chmod by
    // a non-owner, so the server drops the bits itself: a caller that may write the file
    // could clear them by writing anyway.
    if (int r = ChmodHost(node, info.mode & 07777); r < 0) return StatusOf(r);
    valid &= ~posix_valid::kMode;
  }
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;

  // chown before chmod: chown clears set-ID bits that a chmod in the same call may set.
  if (valid & (posix_valid::kUid | posix_valid::kGid)) {
    uid_t uid = (info.valid & posix_valid::kUid) ? info.uid : static_cast<uid_t>(-1);
    gid_t gid = (info.valid & posix_valid::kGid) ? info.gid : static_cast<gid_t>(-1);
    if (fchownat(node->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      return host::HostStatus(errno);
    }
  }
  if (valid & posix_valid::kMode) {
    if (int r = ChmodHost(node, info.mode & 07777); r < 0) return StatusOf(r);
  }
  if (valid & posix_valid::kSize) {
    // A truncate by another user drops set-ID bits on the host; an O_TRUNC open's reply
    // carries no attributes, so the kernel's copy of the mode goes.
    if (node->isRegular() && HasSetIdBits(node->fd)) ctx.ReportAttributesChanged();
    OpenFileUse open(openContext);
    int r;
    if (open.ok() && open->accessMode != O_RDONLY) {
      r = ftruncate(open->fd, static_cast<off_t>(info.size)) == 0 ? 0 : -errno;
    } else {
      int fd = Reopen(node, O_WRONLY | O_NONBLOCK);
      if (fd < 0) return StatusOf(fd);
      r = ftruncate(fd, static_cast<off_t>(info.size)) == 0 ? 0 : -errno;
      close(fd);
    }
    if (r < 0) return StatusOf(r);
  }
  uint32_t timeBits =
      posix_valid::kAtime | posix_valid::kAtimeNow | posix_valid::kMtime | posix_valid::kMtimeNow;
  if (valid & timeBits) {
    timespec times[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    if (info.valid & posix_valid::kAtime) times[0] = TimeOf(info.atime);
    if (info.valid & posix_valid::kAtimeNow) times[0] = {0, UTIME_NOW};
    if (info.valid & posix_valid::kMtime) times[1] = TimeOf(info.mtime);
    if (info.valid & posix_valid::kMtimeNow) times[1] = {0, UTIME_NOW};
    if (int r = SetTimes(node->fd, times); r < 0) return StatusOf(r);
  }
  // kCtime: the host sets the change time itself; it cannot be chosen.
  return NtStatus::Success;
}

NtStatus MirrorFs::SetBasicInformation(const OperationContext& ctx, NodeRef nodeRef,
                                       const FileBasicInfo& info) {
  // Access and write times only: the host keeps change and birth times itself, and the
  // mirror stores no NT attributes (FILE_ATTRIBUTE_* are derived from the file type).
  if (!IsSet(info.lastAccessTime) && !IsSet(info.lastWriteTime)) return NtStatus::Success;
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  timespec times[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
  if (IsSet(info.lastAccessTime)) times[0] = TimeOf(info.lastAccessTime);
  if (IsSet(info.lastWriteTime)) times[1] = TimeOf(info.lastWriteTime);
  int r = SetTimes(NodeOf(nodeRef)->fd, times);
  return r < 0 ? StatusOf(r) : NtStatus::Success;
}

// ---- Extended attributes. O_PATH descriptors refuse the f*xattr calls, so a directory is
// addressed as "." below its own descriptor and anything else as its name below its
// parent's (getxattrat family, never following a symlink). Kernels without those calls
// (before 6.13) get a reopened read-only descriptor of a regular file or directory.

template <class AtCall, class FdCall>
ssize_t MirrorFs::XattrCall(Node* node, AtCall atCall, FdCall fdCall) {
  ssize_t r;
  if (node->isDirectory()) {
    r = atCall(node->fd, ".");
  } else {
    r = ForEachName(node, [&](int parentFd, const char* name) {
      return static_cast<int>(atCall(parentFd, name));
    });
  }
  if (r != -ENOSYS) return r;
  if (!node->isRegular() && !node->isDirectory()) return -EOPNOTSUPP;
  int fd = Reopen(node, O_RDONLY | O_NONBLOCK);
  if (fd < 0) return fd;
  r = fdCall(fd);
  close(fd);
  return r;
}

NtStatus MirrorFs::GetEa(const OperationContext& ctx, NodeRef nodeRef, std::string_view name,
                         void* buffer, uint32_t bufferLength, uint32_t* length) {
  *length = 0;
  char attr[XATTR_NAME_MAX + 1];
  if (!CopyAttrName(name, attr)) return NtStatus::InvalidEaName;
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  Node* node = NodeOf(nodeRef);
  ssize_t r = XattrCall(
      node,
      [&](int dirFd, const char* at) {
        return host::GetXattrAt(dirFd, at, attr, buffer, bufferLength);
      },
      [&](int fd) {
        ssize_t n = fgetxattr(fd, attr, buffer, bufferLength);
        return n < 0 ? static_cast<ssize_t>(-errno) : n;
      });
  if (r == -ERANGE || (r >= 0 && bufferLength == 0)) {
    ssize_t size = XattrCall(
        node,
        [&](int dirFd, const char* at) { return host::GetXattrAt(dirFd, at, attr, nullptr, 0); },
        [&](int fd) {
          ssize_t n = fgetxattr(fd, attr, nullptr, 0);
          return n < 0 ? static_cast<ssize_t>(-errno) : n;
        });
    if (size < 0) return XattrStatusOf(size);
    *length = static_cast<uint32_t>(size);
    return bufferLength == 0 ? NtStatus::Success : NtStatus::BufferTooSmall;
  }
  if (r < 0) return XattrStatusOf(r);
  *length = static_cast<uint32_t>(r);
  return NtStatus::Success;
}

NtStatus MirrorFs::ListEa(const OperationContext& ctx, NodeRef nodeRef, char* buffer,
                          uint32_t bufferLength, uint32_t* length) {
  *length = 0;
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  Node* node = NodeOf(nodeRef);
  auto list = [&](char* into, size_t size) {
    return XattrCall(
        node, [&](int dirFd, const char* at) { return host::ListXattrAt(dirFd, at, into, size); },
        [&](int fd) {
          ssize_t n = flistxattr(fd, into, size);
          return n < 0 ? static_cast<ssize_t>(-errno) : n;
        });
  };
  ssize_t r = list(buffer, bufferLength);
  if (r == -ERANGE || (r >= 0 && bufferLength == 0)) {
    ssize_t size = list(nullptr, 0);
    if (size < 0) return XattrStatusOf(size);
    *length = static_cast<uint32_t>(size);
    return bufferLength == 0 ? NtStatus::Success : NtStatus::BufferTooSmall;
  }
  if (r < 0) return XattrStatusOf(r);
  *length = static_cast<uint32_t>(r);
  return NtStatus::Success;
}

NtStatus MirrorFs::SetEa(const OperationContext& ctx, NodeRef nodeRef, std::string_view name,
                         const void* value, uint32_t valueLength, uint32_t flags) {
  char attr[XATTR_NAME_MAX + 1];
  if (!CopyAttrName(name, attr)) return NtStatus::InvalidEaName;
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  Node* node = NodeOf(nodeRef);
  ssize_t r;
  if (flags & ea_flag::kRemove) {
    r = XattrCall(
        node,
        [&](int dirFd, const char* at) {
          return static_cast<ssize_t>(host::RemoveXattrAt(dirFd, at, attr));
        },
        [&](int fd) { return static_cast<ssize_t>(fremovexattr(fd, attr) == 0 ? 0 : -errno); });
  } else {
    int hostFlags = (flags & ea_flag::kCreate)    ? XATTR_CREATE
                    : (flags & ea_flag::kReplace) ? XATTR_REPLACE
                                                  : 0;
    r = XattrCall(
        node,
        [&](int dirFd, const char* at) {
          return static_cast<ssize_t>(
              host::SetXattrAt(dirFd, at, attr, value, valueLength, hostFlags));
        },
        [&](int fd) {
          return static_cast<ssize_t>(
              fsetxattr(fd, attr, value, valueLength, hostFlags) == 0 ? 0 : -errno);
        });
  }
  return r < 0 ? XattrStatusOf(r) : NtStatus::Success;
}

}  // namespace irpfs::mirror
