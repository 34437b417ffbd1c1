// Locks on the host: POSIX record locks become open-file-description locks on one host
// descriptor per (node, lock owner) (lock_owners.h); flock(2) locks become flock(2) on the
// open's own descriptor, which is per open file description as flock is. Host processes
// see the mirror's locks and the mirror sees theirs. Blocking waits run on waiter threads
// (lock_waiters.h). See docs/mirror.md, "Locks".
#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstdint>
#include <memory>

#include "drivers/mirror/host_calls.h"
#include "drivers/mirror/mirror.h"

namespace irpfs::mirror {

using fsclass::LockRequest;
using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

constexpr uint64_t kToEnd = UINT64_MAX;

bool Refused(int err) {
  return err == EAGAIN || err == EACCES || err == EWOULDBLOCK;
}

// The host's description of [start, end); false when the host cannot express it.
bool HostRange(const LockRequest& request, short type, struct flock* out) {
  if (request.start > INT64_MAX) return false;
  *out = {};
  out->l_type = type;
  out->l_whence = SEEK_SET;
  out->l_start = static_cast<off_t>(request.start);
  if (request.end == kToEnd) return true;  // l_len 0: to the end, however the file grows
  uint64_t length = request.end - request.start;
  if (length > INT64_MAX) return false;
  out->l_len = static_cast<off_t>(length);
  return true;
}

int OfdCall(int fd, int command, struct flock* lock) {
  int r;
  do {
    r = fcntl(fd, command, lock);
  } while (r != 0 && errno == EINTR && command != F_OFD_SETLKW);
  return r == 0 ? 0 : -errno;
}

int FlockCall(int fd, int operation) {
  int r;
  do {
    r = flock(fd, operation);
  } while (r != 0 && errno == EINTR && !(operation == LOCK_EX || operation == LOCK_SH));
  return r == 0 ? 0 : -errno;
}

}  // namespace

std::shared_ptr<HostFd> MirrorFs::LockOwnerFd(Node* node, uint64_t owner, void* openContext,
                                              int* error) {
  if (std::shared_ptr<HostFd> fd = node->lockOwners.Find(owner)) return fd;
  // The descriptor only ever carries locks, never I/O, so it is opened as the server: the
  // kernel already checked the caller's descriptor allows the lock (read for F_RDLCK,
  // write for F_WRLCK). O_RDWR serves both kinds; where the server may not write (a
  // read-only host file system, a file being executed) the mode of the caller's open does.
  // O_NONBLOCK: an open must not wait for a host process's lease to break.
  int fd = Reopen(node, O_RDWR | O_NONBLOCK);
  if (fd < 0 && fd != -ENOENT) {
    OpenFileUse open(openContext);
    int mode = open.ok() ? open->accessMode : O_RDONLY;
    fd = Reopen(node, mode | O_NONBLOCK);
  }
  if (fd < 0) {
    *error = -fd;
    return nullptr;
  }
  return node->lockOwners.Adopt(owner, fd);
}

NtStatus MirrorFs::Lock(const OperationContext& ctx, NodeRef nodeRef, void* openContext,
                        const LockRequest& request, LockConflictInfo* conflict) {
  Node* node = NodeOf(nodeRef);
  // Only regular files have descriptors to lock; the class driver keeps the rest.
  if (!node->isRegular()) return NtStatus::InvalidDeviceRequest;
  if (request.space == LockSpace::kFlock) return FlockLock(ctx, openContext, request);
  return RecordLock(ctx, node, openContext, request, conflict);
}

NtStatus MirrorFs::FlockLock(const OperationContext& ctx, void* openContext,
                             const LockRequest& request) {
  if (openContext == nullptr) return NtStatus::InvalidHandle;
  auto open = std::make_shared<OpenFileUse>(openContext);
  if (!(*open).ok()) return NtStatus::FileClosed;
  int fd = (*open)->fd;
  switch (request.minor) {
    case minor::kUnlockSingle:
    case minor::kUnlockAll: {
      int r = FlockCall(fd, LOCK_UN);
      return r == 0 ? NtStatus::Success : host::HostStatus(-r);
    }
    case minor::kLock: {
      (*open)->flockAsked.store(true, std::memory_order_release);
      int operation = request.exclusive ? LOCK_EX : LOCK_SH;
      int r = FlockCall(fd, operation | LOCK_NB);
      if (r == 0) return NtStatus::Success;
      if (!Refused(-r)) return host::HostStatus(-r);
      if (!request.wait) return NtStatus::LockNotGranted;
      return lockWaiters_.Start(ctx.irp, openContext,
                                [open, fd, operation] { return FlockCall(fd, operation); });
    }
    default:
      // Nobody asks what flock locks exist (there is no F_GETLK for them), nor keys.
      return NtStatus::InvalidParameter;
  }
}

NtStatus MirrorFs::RecordLock(const OperationContext& ctx, Node* node, void* openContext,
                              const LockRequest& request, LockConflictInfo* conflict) {
  switch (request.minor) {
    case minor::kUnlockAll:
      node->lockOwners.Drop(request.owner);
      return NtStatus::Success;
    case minor::kUnlockSingle: {
      if (request.start == request.end) return NtStatus::Success;
      if (request.start == 0 && request.end == kToEnd) {
        node->lockOwners.Drop(request.owner);
        return NtStatus::Success;
      }
      std::shared_ptr<HostFd> fd = node->lockOwners.Find(request.owner);
      if (fd == nullptr) return NtStatus::Success;  // nothing held: POSIX says fine
      struct flock range;
      if (!HostRange(request, F_UNLCK, &range)) return NtStatus::InvalidParameter;
      int r = OfdCall(fd->get(), F_OFD_SETLK, &range);
      return r == 0 ? NtStatus::Success : host::HostStatus(-r);
    }
    case minor::kLock:
      return TakeRecordLock(ctx, node, openContext, request);
    case minor::kQueryLock:
      return QueryRecordLock(node, openContext, request, conflict);
    default:
      // NT lock keys have no host counterpart.
      return NtStatus::NotSupported;
  }
}

NtStatus MirrorFs::TakeRecordLock(const OperationContext& ctx, Node* node, void* openContext,
                                  const LockRequest& request) {
  if (request.start == request.end) return NtStatus::Success;  // nothing to hold
  struct flock range;
  if (!HostRange(request, request.exclusive ? F_WRLCK : F_RDLCK, &range)) {
    return NtStatus::InvalidParameter;
  }
  int error = 0;
  std::shared_ptr<HostFd> fd = LockOwnerFd(node, request.owner, openContext, &error);
  if (fd == nullptr) return host::HostStatus(error);
  int r = OfdCall(fd->get(), F_OFD_SETLK, &range);
  if (r == 0) {
    node->lockOwners.SetPid(request.owner, request.pid);
    return NtStatus::Success;
  }
  if (!Refused(-r) || !request.wait) {
    node->lockOwners.DropIfUnused(request.owner, fd);
    return Refused(-r) ? NtStatus::LockNotGranted : host::HostStatus(-r);
  }
  // Counts as held from now on, so a refused attempt of the same owner meanwhile does not
  // take the descriptor away from under the wait.
  node->lockOwners.SetPid(request.owner, request.pid);
  return lockWaiters_.Start(ctx.irp, openContext, [fd, range]() mutable {
    return OfdCall(fd->get(), F_OFD_SETLKW, &range);
  });
}

NtStatus MirrorFs::QueryRecordLock(Node* node, void* openContext, const LockRequest& request,
                                   LockConflictInfo* conflict) {
  *conflict = LockConflictInfo{};
  if (request.start == request.end) return NtStatus::Success;
  struct flock probe;
  if (!HostRange(request, request.exclusive ? F_WRLCK : F_RDLCK, &probe)) {
    return NtStatus::InvalidParameter;
  }
  // Asked through the owner's own descriptor, its own locks do not count. An owner without
  // one holds nothing, and any descriptor that carries no OFD locks sees all of them: the
  // open's (the mirror never takes OFD locks on it), or a fresh one.
  std::shared_ptr<HostFd> fd = node->lockOwners.Find(request.owner);
  OpenFileUse open(openContext);
  int queryFd = fd ? fd->get() : open.ok() ? open->fd : -1;
  if (queryFd < 0) {
    int opened = Reopen(node, O_RDONLY | O_NONBLOCK);
    if (opened < 0) return host::HostStatus(-opened);
    fd = std::make_shared<HostFd>(opened);
    queryFd = opened;
  }
  int r = OfdCall(queryFd, F_OFD_GETLK, &probe);
  if (r != 0) return host::HostStatus(-r);
  if (probe.l_type == F_UNLCK) return NtStatus::Success;
  conflict->conflict = true;
  conflict->exclusive = probe.l_type == F_WRLCK;
  conflict->byteOffset = static_cast<uint64_t>(probe.l_start);
  conflict->length = probe.l_len == 0 ? kToEnd : static_cast<uint64_t>(probe.l_len);
  conflict->pid = probe.l_pid > 0 ? probe.l_pid : HolderPid(node, request.owner, probe);
  return NtStatus::Success;
}

pid_t MirrorFs::HolderPid(Node* node, uint64_t asker, const struct flock& found) {
  // An OFD lock reports l_pid -1: it belongs to a description, not a process. When it is
  // one of the mirror's owners, report the pid that owner last locked with (what a local
  // POSIX lock would report). An owner never sees its own locks, so the owner whose
  // descriptor does not see this lock is its holder. A host process's OFD lock (or one
  // the test cannot pin down) reports 0: no process.
  for (const LockOwners::Holder& other : node->lockOwners.Others(asker)) {
    struct flock probe {};
    probe.l_type = F_WRLCK;
    probe.l_whence = SEEK_SET;
    probe.l_start = found.l_start;
    probe.l_len = found.l_len;
    if (OfdCall(other.fd->get(), F_OFD_GETLK, &probe) != 0) continue;
    bool seesIt = probe.l_type == found.l_type && probe.l_start == found.l_start &&
                  probe.l_len == found.l_len && probe.l_pid == found.l_pid;
    if (!seesIt) return other.pid;
  }
  return 0;
}

void MirrorFs::CleanupLocks(void* openContext) {
  if (openContext == nullptr) return;
  lockWaiters_.CancelOpen(openContext);
  // flock locks belong to the open: they go with its last handle, as close(2) drops them.
  // Explicitly, because another reference to the description (a passthrough backing file)
  // would keep them otherwise. Only for an open that asked for one: a build closes
  // hundreds of files that never did, each an extra host call.
  OpenFileUse open(openContext);
  if (open.ok() && open->fd >= 0 && open->flockAsked.load(std::memory_order_acquire)) {
    FlockCall(open->fd, LOCK_UN);
  }
}

size_t MirrorFs::PendingLockWaits() {
  return lockWaiters_.Count();
}

}  // namespace irpfs::mirror
