#include "drivers/filters/faults/delay_queue.h"

namespace irpfs::faults {

void DelayQueue::SetDue(Irp* irp, uint64_t dueNs) {
  irp->driverContext[kDueSlot] = reinterpret_cast<void*>(static_cast<uintptr_t>(dueNs));
}

uint64_t DelayQueue::Due(const Irp* irp) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(irp->driverContext[kDueSlot]));
}

uint64_t DelayQueue::NextDue() {
  AcquireLock();
  Irp* head = Head();
  uint64_t due = head != nullptr ? Due(head) : UINT64_MAX;
  ReleaseLock();
  return due;
}

NtStatus DelayQueue::InsertIrp(Irp* irp, void*) {
  // From the tail: delays are mostly equal, so a new IRP usually goes last.
  uint64_t due = Due(irp);
  Irp* after = Tail();
  while (after != nullptr && Due(after) > due) after = after->queuePrev;
  LinkAfter(after, irp);
  return NtStatus::Success;
}

Irp* DelayQueue::PeekNextIrp(Irp* irp, void* peekContext) {
  Irp* candidate = irp == nullptr ? Head() : irp->queueNext;
  if (candidate == nullptr || peekContext == nullptr) return candidate;
  uint64_t now = *static_cast<const uint64_t*>(peekContext);
  // Sorted: once one is not due, none after it is.
  return Due(candidate) <= now ? candidate : nullptr;
}

}  // namespace irpfs::faults
