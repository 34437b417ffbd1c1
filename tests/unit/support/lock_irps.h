// IRP_MJ_LOCK_CONTROL requests for tests of byte-range and flock locks: filling the stack
// location, and blocking locks sent without waiting so a test can watch them pend.
#pragma once

#include <chrono>
#include <thread>

#include "core/io_manager.h"

namespace irpfs::test_volume {

struct LockArgs {
  LockSpace space = LockSpace::kRange;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t owner = 0;
  pid_t pid = 0;
};

inline void FillLock(IoStackLocation* sl, const LockArgs& args) {
  LockControlParameters& p = sl->parameters.lockControl;
  p.byteOffset = args.offset;
  p.length = args.length;
  p.owner = args.owner;
  p.pid = args.pid;
  p.space = args.space;
}

// An exclusive lock that may wait, sent without waiting for it: the IRP completes later
// (its done flag); FinishIrp collects it.
inline Irp* StartExclusiveLock(DeviceObject* device, FileObject* fo, const LockArgs& args,
                               NtStatus* dispatched) {
  Irp* irp = IoAllocateIrp(device->stackSize);
  IoStackLocation* sl = IoGetNextIrpStackLocation(irp);
  sl->majorFunction = IrpMajor::LockControl;
  sl->minorFunction = minor::kLock;
  sl->flags = sl::kExclusiveLock;
  sl->fileObject = fo;
  FillLock(sl, args);
  *dispatched = IoCallDriver(device, irp);
  return irp;
}

// Waits for the IRP to complete, frees it and returns its status.
inline NtStatus FinishIrp(Irp* irp) {
  irp->done.wait(false);
  NtStatus status = irp->ioStatus.status;
  IoFreeIrp(irp);
  return status;
}

// Whether the IRP has still not completed after `wait` (a pended lock must stay pended).
inline bool StillPendingAfter(Irp* irp, std::chrono::milliseconds wait) {
  std::this_thread::sleep_for(wait);
  return !irp->done.load();
}

}  // namespace irpfs::test_volume
