#include "fsclass/byte_range_locks.h"

#include <algorithm>

#include "core/io_manager.h"

namespace irpfs::fsclass {

namespace {

bool Overlaps(const LockRange& a, uint64_t start, uint64_t end) {
  return a.start < end && start < a.end;
}

// What a queue scan looks for: a waiter that can be granted now, or the waiters of one
// file object (whose handle is going away).
struct WaiterPeek {
  enum class Kind { kGrantable, kOfFileObject } kind;
  const ByteRangeLocks* self;
  const FileObject* fileObject;
};

}  // namespace

LockRange LockRangeOfIrp(Irp* irp) {
  const IoStackLocation* sl = IoGetCurrentIrpStackLocation(irp);
  const LockControlParameters& p = sl->parameters.lockControl;
  LockRange r;
  if (p.space == LockSpace::kFlock) {
    // flock(2) has no range and belongs to the open file description: the file object.
    r.start = 0;
    r.end = kLockToEnd;
    r.owner = reinterpret_cast<uintptr_t>(sl->fileObject);
  } else {
    r.start = p.byteOffset;
    bool toEnd = p.length == kLockToEnd || p.byteOffset + p.length < p.byteOffset;
    r.end = toEnd ? kLockToEnd : p.byteOffset + p.length;
    r.owner = p.owner ? p.owner : reinterpret_cast<uintptr_t>(sl->fileObject);
  }
  r.fileObject = sl->fileObject;
  r.key = p.key;
  r.pid = p.pid;
  r.exclusive = (sl->flags & sl::kExclusiveLock) != 0;
  return r;
}

ByteRangeLocks::WaitQueue::WaitQueue() : ListCancelSafeQueue(&ByteRangeLocks::MatchWaiter) {}

ByteRangeLocks::ByteRangeLocks() = default;

// The queue calls this with its own lock held; for kGrantable scans the caller also holds
// mutex_ (GrantWaitersLocked), so reading ranges_ here is safe.
bool ByteRangeLocks::MatchWaiter(Irp* irp, void* peekContext) {
  auto* peek = static_cast<const WaiterPeek*>(peekContext);
  if (peek->kind == WaiterPeek::Kind::kOfFileObject) {
    return IoGetCurrentIrpStackLocation(irp)->fileObject == peek->fileObject;
  }
  return !peek->self->ConflictsLocked(LockRangeOfIrp(irp), nullptr);
}

bool ByteRangeLocks::ConflictsLocked(const LockRange& wanted, LockRange* conflict) const {
  for (const LockRange& l : ranges_) {
    if (l.owner == wanted.owner) continue;
    if (!Overlaps(l, wanted.start, wanted.end)) continue;
    if (!l.exclusive && !wanted.exclusive) continue;
    if (conflict) *conflict = l;
    return true;
  }
  return false;
}

void ByteRangeLocks::AddLocked(const LockRange& lock) {
  LockRange merged = lock;
  std::vector<LockRange> out;
  out.reserve(ranges_.size() + 2);
  for (const LockRange& l : ranges_) {
    if (l.owner != lock.owner) {
      out.push_back(l);
      continue;
    }
    bool overlap = Overlaps(l, lock.start, lock.end);
    if (l.exclusive == lock.exclusive) {
      bool adjacent = l.end == lock.start || lock.end == l.start;
      if (overlap || adjacent) {
        merged.start = std::min(merged.start, l.start);
        merged.end = std::max(merged.end, l.end);
      } else {
        out.push_back(l);
      }
      continue;
    }
    if (!overlap) {
      out.push_back(l);
      continue;
    }
    // The other kind: the new lock converts the overlapped part, the rest survives.
    if (l.start < lock.start) {
      LockRange left = l;
      left.end = lock.start;
      out.push_back(left);
    }
    if (l.end > lock.end) {
      LockRange right = l;
      right.start = lock.end;
      out.push_back(right);
    }
  }
  out.push_back(merged);
  ranges_.swap(out);
  count_.store(ranges_.size(), std::memory_order_release);
}

void ByteRangeLocks::RemoveLocked(uint64_t owner, uint64_t start, uint64_t end) {
  std::vector<LockRange> out;
  out.reserve(ranges_.size() + 1);
  for (const LockRange& l : ranges_) {
    if (l.owner != owner || !Overlaps(l, start, end)) {
      out.push_back(l);
      continue;
    }
    if (l.start < start) {
      LockRange left = l;
      left.end = start;
      out.push_back(left);
    }
    if (l.end > end) {
      LockRange right = l;
      right.start = end;
      out.push_back(right);
    }
  }
  ranges_.swap(out);
  count_.store(ranges_.size(), std::memory_order_release);
}

template <class Pred>
void ByteRangeLocks::RemoveWhole(Pred pred) {
  std::vector<Irp*> granted;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(ranges_, pred);
    count_.store(ranges_.size(), std::memory_order_release);
    GrantWaitersLocked(&granted);
  }
  CompleteGranted(granted);
}

void ByteRangeLocks::GrantWaitersLocked(std::vector<Irp*>* granted) {
  if (queue_.Empty()) return;
  WaiterPeek peek{WaiterPeek::Kind::kGrantable, this, nullptr};
  while (Irp* irp = queue_.RemoveNext(&peek)) {
    AddLocked(LockRangeOfIrp(irp));
    granted->push_back(irp);
  }
}

void ByteRangeLocks::CompleteGranted(const std::vector<Irp*>& granted) {
  for (Irp* irp : granted) IoCompleteWith(irp, NtStatus::Success);
}

NtStatus ByteRangeLocks::Lock(Irp* irp, bool failImmediately) {
  LockRange wanted = LockRangeOfIrp(irp);
  if (wanted.start == wanted.end) return NtStatus::Success;  // zero length: nothing to hold
  std::vector<Irp*> granted;
  bool wait = false;
  {
    std::lock_guard lock(mutex_);
    if (!ConflictsLocked(wanted, nullptr)) {
      AddLocked(wanted);
      // Converting exclusive to shared can let waiters in.
      GrantWaitersLocked(&granted);
    } else if (failImmediately) {
      return NtStatus::LockNotGranted;
    } else {
      wait = true;
    }
  }
  if (!wait) {
    CompleteGranted(granted);
    return NtStatus::Success;
  }
  // Queued outside mutex_: an IRP canceled already is completed by Insert itself, and a
  // completion must not run under our lock. A release that slipped in between the check
  // above and the insert is caught by granting once more after it. From here on the IRP
  // may complete on another thread at any time: it is not touched again.
  IoMarkIrpPending(irp);
  NtStatus status = queue_.Insert(irp);
  if (status == NtStatus::Pending) {
    std::lock_guard lock(mutex_);
    GrantWaitersLocked(&granted);
  }
  CompleteGranted(granted);
  return status;
}

void ByteRangeLocks::Unlock(uint64_t owner, uint64_t start, uint64_t end) {
  std::vector<Irp*> granted;
  {
    std::lock_guard lock(mutex_);
    RemoveLocked(owner, start, end);
    GrantWaitersLocked(&granted);
  }
  CompleteGranted(granted);
}

void ByteRangeLocks::UnlockOwner(uint64_t owner) {
  RemoveWhole([owner](const LockRange& l) { return l.owner == owner; });
}

void ByteRangeLocks::UnlockFileObject(const FileObject* fileObject) {
  // Every open's CLEANUP comes here (and every FUSE LOOKUP is an open): with no lock held
  // and no waiter queued on the file there is nothing to drop and nobody to grant.
  if (count_.load(std::memory_order_acquire) == 0 && queue_.SeemsEmpty()) return;
  RemoveWhole([fileObject](const LockRange& l) { return l.fileObject == fileObject; });
}

void ByteRangeLocks::UnlockFileObjectKey(const FileObject* fileObject, uint32_t key) {
  RemoveWhole(
      [fileObject, key](const LockRange& l) { return l.fileObject == fileObject && l.key == key; });
}

bool ByteRangeLocks::FindConflict(const LockRange& wanted, LockRange* conflict) {
  std::lock_guard lock(mutex_);
  return ConflictsLocked(wanted, conflict);
}

bool ByteRangeLocks::ConflictsWithIo(const FileObject* fileObject, uint64_t offset, uint64_t length,
                                     bool write) {
  if (length == 0 || count_.load(std::memory_order_acquire) == 0) return false;
  uint64_t end = offset + length < offset ? kLockToEnd : offset + length;
  std::lock_guard lock(mutex_);
  for (const LockRange& l : ranges_) {
    if (!Overlaps(l, offset, end)) continue;
    if (l.fileObject != fileObject && l.exclusive) return true;
    if (write && !l.exclusive) return true;
  }
  return false;
}

void ByteRangeLocks::CancelWaiters(const FileObject* fileObject) {
  if (queue_.SeemsEmpty()) return;  // see UnlockFileObject
  WaiterPeek peek{WaiterPeek::Kind::kOfFileObject, this, fileObject};
  while (Irp* irp = queue_.RemoveNext(&peek)) IoCompleteWith(irp, NtStatus::Cancelled);
}

size_t ByteRangeLocks::LockCount() {
  return count_.load(std::memory_order_acquire);
}

}  // namespace irpfs::fsclass
