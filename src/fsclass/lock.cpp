// IRP_MJ_LOCK_CONTROL: byte-range and flock locks. A mini that keeps locks itself
// (MiniFileSystem::Lock, the mirror's host locks) gets every request first; one that
// answers STATUS_INVALID_DEVICE_REQUEST leaves them to the class driver's tables
// (byte_range_locks.h), one per LockSpace.
#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

namespace {

LockRequest RequestOf(Irp* irp, const LockRange& range) {
  const IoStackLocation* sl = IoGetCurrentIrpStackLocation(irp);
  LockRequest request;
  request.minor = sl->minorFunction;
  request.space = sl->parameters.lockControl.space;
  request.start = range.start;
  request.end = range.end;
  request.owner = range.owner;
  request.key = range.key;
  request.pid = range.pid;
  request.exclusive = range.exclusive;
  request.wait = (sl->flags & sl::kFailImmediately) == 0;
  return request;
}

bool KnownSpace(LockSpace space) {
  return space == LockSpace::kRange || space == LockSpace::kFlock;
}

// The mini's answer, or STATUS_INVALID_DEVICE_REQUEST when the class driver keeps the lock.
// STATUS_PENDING means the mini owns the IRP now.
NtStatus MiniLock(const OpenFile& open, Irp* irp, const LockRange& range) {
  LockRequest request = RequestOf(irp, range);
  LockConflictInfo conflict;
  NtStatus s = Guarded([&] {
    return open.volume->mini().Lock(ContextOf(irp), open.fcb->node, open.ccb->openContext, request,
                                    &conflict);
  });
  if (s == NtStatus::InvalidDeviceRequest || s == NtStatus::Pending) return s;
  if (request.minor != minor::kQueryLock || !NtSuccess(s)) return IoCompleteWith(irp, s);
  auto* out = static_cast<LockConflictInfo*>(IoGetIrpBuffer(irp));
  if (out == nullptr) return IoCompleteWith(irp, NtStatus::InvalidUserBuffer);
  *out = conflict;
  return IoCompleteWith(irp, NtStatus::Success, sizeof(LockConflictInfo));
}

}  // namespace

NtStatus DispatchLockControl(DeviceObject* device, Irp* irp) {
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  if (!NtSuccess(s)) return IoCompleteWith(irp, s);
  IoStackLocation* sl = IoGetCurrentIrpStackLocation(irp);
  LockSpace space = sl->parameters.lockControl.space;
  if (!KnownSpace(space)) return IoCompleteWith(irp, NtStatus::InvalidParameter);
  if (sl->minorFunction == minor::kQueryLock && IoGetIrpBuffer(irp) == nullptr) {
    return IoCompleteWith(irp, NtStatus::InvalidUserBuffer);
  }
  LockRange range = LockRangeOfIrp(irp);
  s = MiniLock(open, irp, range);
  if (s != NtStatus::InvalidDeviceRequest) return s;

  ByteRangeLocks& locks = space == LockSpace::kFlock ? open.fcb->flockLocks : open.fcb->locks;
  switch (sl->minorFunction) {
    case minor::kLock:
      s = locks.Lock(irp, (sl->flags & sl::kFailImmediately) != 0);
      // Queued (or canceled and completed by the queue already): the IRP is not ours.
      if (s == NtStatus::Pending || s == NtStatus::Cancelled) return NtStatus::Pending;
      return IoCompleteWith(irp, s);
    case minor::kUnlockSingle:
      locks.Unlock(range.owner, range.start, range.end);
      return IoCompleteWith(irp, NtStatus::Success);
    case minor::kUnlockAll:
      if (space == LockSpace::kRange && sl->parameters.lockControl.owner != 0) {
        locks.UnlockOwner(range.owner);
      } else {
        locks.UnlockFileObject(open.fileObject);
      }
      return IoCompleteWith(irp, NtStatus::Success);
    case minor::kUnlockAllByKey:
      locks.UnlockFileObjectKey(open.fileObject, range.key);
      return IoCompleteWith(irp, NtStatus::Success);
    case minor::kQueryLock: {
      auto* out = static_cast<LockConflictInfo*>(IoGetIrpBuffer(irp));
      LockRange conflict;
      *out = LockConflictInfo{};
      if (locks.FindConflict(range, &conflict)) {
        out->conflict = true;
        out->exclusive = conflict.exclusive;
        out->byteOffset = conflict.start;
        out->length = conflict.end == kLockToEnd ? kLockToEnd : conflict.end - conflict.start;
        out->pid = conflict.pid;
      }
      return IoCompleteWith(irp, NtStatus::Success, sizeof(LockConflictInfo));
    }
    default:
      return IoCompleteWith(irp, NtStatus::InvalidDeviceRequest);
  }
}

}  // namespace irpfs::fsclass
