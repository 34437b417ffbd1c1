// The host system calls the mirror needs, with the fallbacks for kernels or C libraries
// that lack them. Every call here takes a directory descriptor and ONE name component (or
// an empty path with AT_EMPTY_PATH): the mirror never hands a path with '/' to the host.
//
// Return convention: a descriptor or a count >= 0 on success, -errno on failure (so a
// caller maps it with ErrnoToStatus(-r) and never reads errno after another call).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace irpfs::mirror::host {

// ErrnoToStatus (the one table), except that EINVAL reads STATUS_INVALID_PARAMETER rather
// than the table's first EINVAL row (STATUS_INVALID_EA_NAME): same errno back, clearer
// traces.
inline NtStatus HostStatus(int err) {
  return err == EINVAL ? NtStatus::InvalidParameter : ErrnoToStatus(err);
}
// The status of a call here that failed (returned -errno).
inline NtStatus StatusOf(long negativeErrno) {
  return HostStatus(static_cast<int>(-negativeErrno));
}

// Opens `name` (one component) below `dirFd` without following any symlink, magic link or
// "..": openat2 with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS, or,
// where openat2 is missing (ENOSYS), openat with O_NOFOLLOW (equally safe for a single
// component that is not "." or ".."). With O_PATH | O_NOFOLLOW a symlink opens as itself;
// otherwise a symlink gives -ELOOP. O_CLOEXEC is always added.
int OpenBeneath(int dirFd, const char* name, int flags, mode_t mode = 0);

// Tests only: makes OpenBeneath take the openat(O_NOFOLLOW) path as if openat2 were
// missing (true), or probe openat2 again (false).
void ForceOpenatFallbackForTesting(bool fallback);

// statx of the node behind `fd` itself (AT_EMPTY_PATH, never following a symlink), or of
// `name` in the directory `fd` when name is not empty.
int StatAt(int fd, const char* name, struct statx* out);

// fchmodat2(fd, "", mode, AT_EMPTY_PATH): works on O_PATH descriptors (Linux 6.6+).
int ChmodNode(int fd, mode_t mode);

// Extended attributes of `name` in `dirFd` (getxattrat family, Linux 6.13+), never following
// a symlink. Pass name "." to address the directory dirFd itself. -ENOSYS when missing.
ssize_t GetXattrAt(int dirFd, const char* name, const char* attr, void* value, size_t size);
ssize_t ListXattrAt(int dirFd, const char* name, char* list, size_t size);
int SetXattrAt(int dirFd, const char* name, const char* attr, const void* value, size_t size,
               int flags);
int RemoveXattrAt(int dirFd, const char* name, const char* attr);

// Per-thread credentials: the raw system calls, never glibc's setgroups (which changes every
// thread of the process). setfsuid/setfsgid return the previous id.
uint32_t SetFsUid(uint32_t uid);
uint32_t SetFsGid(uint32_t gid);
int SetThreadGroups(size_t count, const gid_t* groups);

}  // namespace irpfs::mirror::host
