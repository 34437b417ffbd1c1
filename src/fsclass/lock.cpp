// IRP_MJ_LOCK_CONTROL: byte-range locks kept by the class driver (byte_range_locks.h).
#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

NtStatus DispatchLockControl(DeviceObject* device, Irp* irp) {
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  if (!NtSuccess(s)) return IoCompleteWith(irp, s);
  IoStackLocation* sl = IoGetCurrentIrpStackLocation(irp);
  ByteRangeLocks& locks = open.fcb->locks;
  LockRange range = LockRangeOfIrp(irp);
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
      if (sl->parameters.lockControl.owner != 0) {
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
      if (out == nullptr) return IoCompleteWith(irp, NtStatus::InvalidUserBuffer);
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
