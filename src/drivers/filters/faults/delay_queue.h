// The cancel-safe queue the faults filter pends delayed IRPs in: core/csq.h's list queue
// kept in due-time order, so the timer thread only ever looks at the head (a FIFO would
// need a scan, as delays differ per operation). IoCancelIrp on a queued IRP completes it
// with STATUS_CANCELLED at once, on the canceling thread.
//
// The due time of a queued IRP is in irp->driverContext[kDueSlot] (slots 0 and 1 are the
// CSQ's own).
#pragma once

#include <cstdint>

#include "core/csq.h"

namespace irpfs::faults {

inline constexpr int kDueSlot = 2;

class DelayQueue : public ListCancelSafeQueue {
 public:
  static void SetDue(Irp* irp, uint64_t dueNs);
  static uint64_t Due(const Irp* irp);

  // Inserts with the due time already set by SetDue.
  NtStatus InsertDelayed(Irp* irp) { return Insert(irp); }
  // The first IRP due at `nowNs`, removed (nullptr when none is due).
  Irp* RemoveDue(uint64_t nowNs) { return RemoveNext(&nowNs); }
  // Any queued IRP, removed (for teardown).
  Irp* RemoveAny() { return RemoveNext(nullptr); }
  // The due time of the head, or UINT64_MAX when empty.
  uint64_t NextDue();

 protected:
  // After the last IRP due no later than this one: equal delays keep arrival order.
  NtStatus InsertIrp(Irp* irp, void* insertContext) override;
  // peekContext: const uint64_t* now, or nullptr for any IRP.
  Irp* PeekNextIrp(Irp* irp, void* peekContext) override;
};

}  // namespace irpfs::faults
