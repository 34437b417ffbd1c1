// Byte-range locks of one file, with POSIX semantics (fcntl F_SETLK/F_SETLKW/F_GETLK),
// which also serve NT's LockFileEx for the cases NT and POSIX agree on. An FCB keeps two
// of these tables, one per LockSpace: record locks, and flock(2) locks (whole-file ranges
// owned by the file object), so the two kinds never conflict with each other, as on Linux.
//
// A lock belongs to an owner (LockControlParameters.owner; 0 means "the file object",
// NT's notion). Locks of the same owner never conflict: a new lock replaces the owner's
// locks in its range (merging with adjacent or overlapping ones of the same kind, splitting
// ones of the other kind), and an unlock may release a subrange. Locks of different
// owners conflict when they overlap and either is exclusive.
//
// A lock that cannot be granted either fails (sl::kFailImmediately) or pends: its IRP
// waits in a cancel-safe queue and is granted, in arrival order where possible, when a
// release makes room. Cancel completes it with STATUS_CANCELLED.
//
// Locking: mutex_ guards ranges_ and is taken before the queue's own lock (grants happen
// while both are held); IRPs are completed, and queued, only with mutex_ released, because
// a completion may send the next lock request right away.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/csq.h"
#include "core/irp.h"

namespace irpfs {
class FileObject;
}

namespace irpfs::fsclass {

inline constexpr uint64_t kLockToEnd = UINT64_MAX;

struct LockRange {
  uint64_t start = 0;
  uint64_t end = 0;  // exclusive; kLockToEnd = to the end of the file however it grows
  uint64_t owner = 0;
  const FileObject* fileObject = nullptr;  // the open the lock was taken through
  uint32_t key = 0;
  pid_t pid = 0;
  bool exclusive = false;
};

// The range and owner a LOCK_CONTROL IRP's current stack location names (for
// LockSpace::kFlock: the whole file, owned by the file object).
LockRange LockRangeOfIrp(Irp* irp);

class ByteRangeLocks {
 public:
  ByteRangeLocks();
  ByteRangeLocks(const ByteRangeLocks&) = delete;
  ByteRangeLocks& operator=(const ByteRangeLocks&) = delete;

  // IRP_MN_LOCK for `irp`. Success when granted; STATUS_LOCK_NOT_GRANTED on a conflict
  // with failImmediately; otherwise the IRP is marked pending and queued, and the result
  // is STATUS_PENDING (or STATUS_CANCELLED if it was canceled already and has been
  // completed by the queue). The caller completes the IRP only for Success / NotGranted.
  NtStatus Lock(Irp* irp, bool failImmediately);

  // Releases the owner's locks within [start, end).
  void Unlock(uint64_t owner, uint64_t start, uint64_t end);
  void UnlockOwner(uint64_t owner);
  void UnlockFileObject(const FileObject* fileObject);
  void UnlockFileObjectKey(const FileObject* fileObject, uint32_t key);

  // The first lock of another owner that would block `wanted`, if any.
  bool FindConflict(const LockRange& wanted, LockRange* conflict);

  // Mandatory (NT) check for I/O through `fileObject`: a read conflicts with another
  // open's exclusive lock, a write with any shared lock and another open's exclusive lock.
  bool ConflictsWithIo(const FileObject* fileObject, uint64_t offset, uint64_t length, bool write);

  // Completes every lock IRP of `fileObject` still waiting, with STATUS_CANCELLED.
  void CancelWaiters(const FileObject* fileObject);

  size_t LockCount();

 private:
  class WaitQueue : public ListCancelSafeQueue {
   public:
    WaitQueue();
  };

  bool ConflictsLocked(const LockRange& wanted, LockRange* conflict) const;
  void AddLocked(const LockRange& lock);
  void RemoveLocked(uint64_t owner, uint64_t start, uint64_t end);
  template <class Pred>
  void RemoveWhole(Pred pred);
  // Grants whatever waiters now fit; returns them for completion outside mutex_.
  void GrantWaitersLocked(std::vector<Irp*>* granted);
  static void CompleteGranted(const std::vector<Irp*>& granted);

  static bool MatchWaiter(Irp* irp, void* peekContext);

  std::mutex mutex_;
  std::vector<LockRange> ranges_;
  std::atomic<size_t> count_{0};  // ranges_.size(), read without the mutex on the I/O path
  WaitQueue queue_;
};

}  // namespace irpfs::fsclass
