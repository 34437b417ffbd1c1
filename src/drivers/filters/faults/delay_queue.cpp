#include "drivers/filters/faults/delay_queue.h"

#include "core/io_manager.h"

namespace irpfs::faults {

void DelayQueue::SetDue(Irp* irp, uint64_t dueNs) {
  irp->driverContext[kDueSlot] = reinterpret_cast<void*>(static_cast<uintptr_t>(dueNs));
}

uint64_t DelayQueue::Due(const Irp* irp) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(irp->driverContext[kDueSlot]));
}

uint64_t DelayQueue::NextDue() {
  std::lock_guard lock(mutex_);
  return head_ != nullptr ? Due(head_) : UINT64_MAX;
}

NtStatus DelayQueue::InsertIrp(Irp* irp, void*) {
  // From the tail: delays are mostly equal, so a new IRP usually goes last.
  uint64_t due = Due(irp);
  Irp* after = tail_;
  while (after != nullptr && Due(after) > due) after = after->queuePrev;
  irp->queuePrev = after;
  irp->queueNext = after != nullptr ? after->queueNext : head_;
  if (irp->queueNext != nullptr) {
    irp->queueNext->queuePrev = irp;
  } else {
    tail_ = irp;
  }
  if (after != nullptr) {
    after->queueNext = irp;
  } else {
    head_ = irp;
  }
  return NtStatus::Success;
}

void DelayQueue::RemoveIrp(Irp* irp) {
  if (irp->queuePrev != nullptr) {
    irp->queuePrev->queueNext = irp->queueNext;
  } else {
    head_ = irp->queueNext;
  }
  if (irp->queueNext != nullptr) {
    irp->queueNext->queuePrev = irp->queuePrev;
  } else {
    tail_ = irp->queuePrev;
  }
  irp->queueNext = nullptr;
  irp->queuePrev = nullptr;
}

Irp* DelayQueue::PeekNextIrp(Irp* irp, void* peekContext) {
  Irp* candidate = irp == nullptr ? head_ : irp->queueNext;
  if (candidate == nullptr || peekContext == nullptr) return candidate;
  uint64_t now = *static_cast<const uint64_t*>(peekContext);
  // Sorted: once one is not due, none after it is.
  return Due(candidate) <= now ? candidate : nullptr;
}

void DelayQueue::CompleteCanceledIrp(Irp* irp) {
  IoCompleteWith(irp, NtStatus::Cancelled);
}

}  // namespace irpfs::faults
