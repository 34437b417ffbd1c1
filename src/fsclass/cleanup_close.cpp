// IRP_MJ_CLEANUP (the last handle of a file object is gone) and IRP_MJ_CLOSE (its last
// reference is gone), kept apart as NT does: I/O still in flight at CLEANUP completes
// normally, and CLOSE frees what the open held.
//
// CLEANUP: pending lock IRPs of the open complete with STATUS_CANCELLED, its byte-range
// locks go, the mini's Cleanup runs, share access is released, and if a delete is pending
// and this was the last open of the file, the name is removed.
#include <string>
#include <utility>

#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

void MarkDeletePendingLocked(VolumeContext& volume, Fcb* fcb, Fcb* parent, std::string_view name) {
  volume.fcbs().Reference(parent);
  // A previous delete name (set, then cleared by "do not delete") may linger referenced.
  Fcb* old = std::exchange(fcb->deleteParent, parent);
  fcb->deleteName.assign(name);
  fcb->deletePending = true;
  if (old) volume.fcbs().Release(old);
}

NtStatus RemoveNameOf(VolumeContext& volume, const OperationContext& ctx, Fcb* fcb, Fcb* parent,
                      std::string_view name) {
  MiniFileSystem& mini = volume.mini();
  // The name may have been renamed away or reused since: remove it only if it still
  // names this node.
  NodeRef node;
  NtStatus s = Guarded([&] { return mini.Lookup(ctx, parent->node, name, &node); });
  if (!NtSuccess(s)) return s;
  bool same = node.fileId == fcb->node.fileId;
  GuardedVoid([&] { mini.Forget(node); });
  if (!same) return NtStatus::ObjectNameNotFound;
  return Guarded([&] { return mini.Remove(ctx, parent->node, name); });
}

void EndOpen(VolumeContext& volume, const OperationContext& ctx, Fcb* fcb,
             const ShareRequest& share, Ccb* ccb) {
  Fcb* deleteParent = nullptr;
  std::string deleteName;
  {
    std::lock_guard lock(fcb->mutex);
    RemoveShareAccess(share, &fcb->shareAccess);
    if (ccb && ccb->deleteOnClose && ccb->parent && !fcb->deletePending) {
      MarkDeletePendingLocked(volume, fcb, ccb->parent, ccb->name);
    }
    // Taking the delete name makes this the one thread that deletes; deletePending stays
    // set until the name is gone, so opens racing with the removal are refused.
    if (--fcb->openCount == 0 && fcb->deletePending && fcb->deleteParent) {
      deleteParent = std::exchange(fcb->deleteParent, nullptr);
      deleteName = std::move(fcb->deleteName);
    }
  }
  if (deleteParent == nullptr) return;
  // A failed removal (say a directory got a new entry) leaves the file as it was, usable.
  // Either way the delete is over: other names of the node (hard links) open normally.
  RemoveNameOf(volume, ctx, fcb, deleteParent, deleteName);
  {
    std::lock_guard lock(fcb->mutex);
    fcb->deletePending = false;
  }
  volume.fcbs().Release(deleteParent);
}

namespace {

void CleanupOpen(VolumeContext& volume, const OperationContext& ctx, FileObject* fo) {
  auto* fcb = static_cast<Fcb*>(fo->fsContext);
  auto* ccb = static_cast<Ccb*>(fo->fsContext2);
  if (ccb->cleanedUp.exchange(true, std::memory_order_acq_rel)) return;
  fcb->locks.CancelWaiters(fo);
  fcb->locks.UnlockFileObject(fo);
  fcb->flockLocks.CancelWaiters(fo);
  fcb->flockLocks.UnlockFileObject(fo);
  // A mini that keeps locks drops the NT-style ones (owned by the file object) here and
  // the rest of the open's lock state in its Cleanup.
  LockRequest unlock;
  unlock.minor = minor::kUnlockAll;
  unlock.owner = reinterpret_cast<uintptr_t>(fo);
  unlock.end = kLockToEnd;
  Guarded([&] { return volume.mini().Lock(ctx, fcb->node, ccb->openContext, unlock, nullptr); });
  GuardedVoid([&] { volume.mini().Cleanup(ctx, fcb->node, ccb->openContext); });
  EndOpen(volume, ctx, fcb, ShareRequestOf(*fo), ccb);
}

}  // namespace

NtStatus DispatchCleanup(DeviceObject* device, Irp* irp) {
  VolumeContext* volume = VolumeOf(device);
  if (volume == nullptr) return IoCompleteWith(irp, NtStatus::InvalidDeviceRequest);
  FileObject* fo = IoGetCurrentIrpStackLocation(irp)->fileObject;
  if (fo == nullptr || fo->fsContext == nullptr || fo->fsContext2 == nullptr) {
    return IoCompleteWith(irp, NtStatus::InvalidHandle);
  }
  CleanupOpen(*volume, ContextOf(irp), fo);
  return IoCompleteWith(irp, NtStatus::Success);
}

NtStatus DispatchClose(DeviceObject* device, Irp* irp) {
  VolumeContext* volume = VolumeOf(device);
  if (volume == nullptr) return IoCompleteWith(irp, NtStatus::InvalidDeviceRequest);
  FileObject* fo = IoGetCurrentIrpStackLocation(irp)->fileObject;
  if (fo == nullptr || fo->fsContext == nullptr || fo->fsContext2 == nullptr) {
    return IoCompleteWith(irp, NtStatus::Success);
  }
  auto* fcb = static_cast<Fcb*>(fo->fsContext);
  auto* ccb = static_cast<Ccb*>(fo->fsContext2);
  // An open that never had a handle gets its CLEANUP work here.
  CleanupOpen(*volume, ContextOf(irp), fo);
  GuardedVoid([&] { volume->mini().Close(fcb->node, ccb->openContext); });
  Fcb* parent;
  {
    std::lock_guard lock(fcb->mutex);
    parent = std::exchange(ccb->parent, nullptr);
  }
  delete ccb;
  fo->fsContext = nullptr;
  fo->fsContext2 = nullptr;
  if (parent) volume->fcbs().Release(parent);
  volume->fcbs().Release(fcb);
  return IoCompleteWith(irp, NtStatus::Success);
}

NtStatus ResolveOpen(DeviceObject* device, Irp* irp, OpenFile* out) {
  out->volume = VolumeOf(device);
  if (out->volume == nullptr) return NtStatus::InvalidDeviceRequest;
  FileObject* fo = IoGetCurrentIrpStackLocation(irp)->fileObject;
  if (fo == nullptr || fo->fsContext == nullptr || fo->fsContext2 == nullptr) {
    return NtStatus::InvalidHandle;
  }
  out->fileObject = fo;
  out->fcb = static_cast<Fcb*>(fo->fsContext);
  out->ccb = static_cast<Ccb*>(fo->fsContext2);
  if (out->ccb->cleanedUp.load(std::memory_order_acquire)) return NtStatus::FileClosed;
  return NtStatus::Success;
}

}  // namespace irpfs::fsclass
