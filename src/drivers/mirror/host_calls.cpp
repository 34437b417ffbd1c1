#include "drivers/mirror/host_calls.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace irpfs::mirror::host {

namespace {

// System call numbers newer than the machine's headers (x86_64 and the generic table agree
// on these: they were allocated after the tables were unified).
constexpr long kSysFchmodat2 = 452;
constexpr long kSysSetxattrat = 463;
constexpr long kSysGetxattrat = 464;
constexpr long kSysListxattrat = 465;
constexpr long kSysRemovexattrat = 466;

// The getxattrat family's argument block (struct xattr_args in <linux/xattr.h>).
struct XattrArgs {
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};

int Result(long r) {
  return r < 0 ? -errno : static_cast<int>(r);
}
ssize_t SizeResult(long r) {
  return r < 0 ? -errno : static_cast<ssize_t>(r);
}

// 0 = not probed yet, 1 = openat2 works, 2 = missing (ENOSYS): use the O_NOFOLLOW walk.
std::atomic<int> openat2State{0};

}  // namespace

int OpenBeneath(int dirFd, const char* name, int flags, mode_t mode) {
  flags |= O_CLOEXEC | O_NOFOLLOW;
  if (openat2State.load(std::memory_order_relaxed) != 2) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
    long fd;
    do {
      fd = syscall(SYS_openat2, dirFd, name, &how, sizeof how);
    } while (fd < 0 && errno == EINTR);
    if (fd >= 0 || errno != ENOSYS) {
      openat2State.store(1, std::memory_order_relaxed);
      return Result(fd);
    }
    openat2State.store(2, std::memory_order_relaxed);
  }
  int fd;
  do {
    fd = openat(dirFd, name, flags, mode);
  } while (fd < 0 && errno == EINTR);
  return Result(fd);
}

void ForceOpenatFallbackForTesting(bool fallback) {
  openat2State.store(fallback ? 2 : 0, std::memory_order_relaxed);
}

int StatAt(int fd, const char* name, struct statx* out) {
  int flags = AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT;
  if (name[0] == '\0') flags |= AT_EMPTY_PATH;
  return Result(statx(fd, name, flags, STATX_BASIC_STATS | STATX_BTIME, out));
}

int ChmodNode(int fd, mode_t mode) {
  return Result(syscall(kSysFchmodat2, fd, "", mode, AT_EMPTY_PATH));
}

ssize_t GetXattrAt(int dirFd, const char* name, const char* attr, void* value, size_t size) {
  XattrArgs args{reinterpret_cast<uint64_t>(value), static_cast<uint32_t>(size), 0};
  return SizeResult(
      syscall(kSysGetxattrat, dirFd, name, AT_SYMLINK_NOFOLLOW, attr, &args, sizeof args));
}

ssize_t ListXattrAt(int dirFd, const char* name, char* list, size_t size) {
  return SizeResult(syscall(kSysListxattrat, dirFd, name, AT_SYMLINK_NOFOLLOW, list, size));
}

int SetXattrAt(int dirFd, const char* name, const char* attr, const void* value, size_t size,
               int flags) {
  XattrArgs args{reinterpret_cast<uint64_t>(value), static_cast<uint32_t>(size),
                 static_cast<uint32_t>(flags)};
  return Result(
      syscall(kSysSetxattrat, dirFd, name, AT_SYMLINK_NOFOLLOW, attr, &args, sizeof args));
}

int RemoveXattrAt(int dirFd, const char* name, const char* attr) {
  return Result(syscall(kSysRemovexattrat, dirFd, name, AT_SYMLINK_NOFOLLOW, attr));
}

uint32_t SetFsUid(uint32_t uid) {
  return static_cast<uint32_t>(syscall(SYS_setfsuid, uid));
}
uint32_t SetFsGid(uint32_t gid) {
  return static_cast<uint32_t>(syscall(SYS_setfsgid, gid));
}

int SetThreadGroups(size_t count, const gid_t* groups) {
  return Result(syscall(SYS_setgroups, count, groups));
}

}  // namespace irpfs::mirror::host
