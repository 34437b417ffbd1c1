// The cancel-safe queue protocol (see csq.h) and a ready list-based queue.
//
// While an IRP is queued, driverContext[kCsqSlot] names its queue and
// driverContext[kContextSlot] the caller's CsqIrpContext (or null). Only the party that
// wins the exchange of the IRP's cancel routine (a remover setting it to null, or
// IoCancelIrp) may take the IRP out of the queue, so each IRP leaves exactly once.
#include "core/csq.h"

#include "core/io_manager.h"

namespace irpfs {
namespace {

constexpr int kCsqSlot = 0;
constexpr int kContextSlot = 1;

void ForgetQueue(Irp* irp) {
  irp->driverContext[kCsqSlot] = nullptr;
  irp->driverContext[kContextSlot] = nullptr;
}

}  // namespace

NtStatus CancelSafeQueue::Insert(Irp* irp, CsqIrpContext* context, void* insertContext) {
  AcquireLock();
  irp->driverContext[kCsqSlot] = this;
  irp->driverContext[kContextSlot] = context;
  if (context != nullptr) {
    context->irp = irp;
    context->csq = this;
  }
  NtStatus status = InsertIrp(irp, insertContext);
  if (!NtSuccess(status)) {
    if (context != nullptr) context->irp = nullptr;
    ForgetQueue(irp);
    ReleaseLock();
    return status;
  }
  IoMarkIrpPending(irp);
  IoSetCancelRoutine(irp, CancelRoutineThunk);
  // IoCancelIrp may have run before the routine was set (and so found nothing to call).
  // The seq_cst store above and load here pair with IoCancelIrp's store and exchange.
  if (irp->cancel.load() && IoSetCancelRoutine(irp, nullptr) != nullptr) {
    // Our routine came back: no cancel routine will run, so the cancel is ours to finish.
    RemoveIrp(irp);
    if (context != nullptr) context->irp = nullptr;
    ForgetQueue(irp);
    ReleaseLock();
    CompleteCanceledIrp(irp);
    return NtStatus::Cancelled;
  }
  // Otherwise either no cancel, or IoCancelIrp took the routine and the thunk will remove
  // and complete the IRP as soon as we release the lock.
  ReleaseLock();
  return NtStatus::Pending;
}

Irp* CancelSafeQueue::RemoveNext(void* peekContext) {
  AcquireLock();
  Irp* irp = PeekNextIrp(nullptr, peekContext);
  while (irp != nullptr) {
    if (IoSetCancelRoutine(irp, nullptr) != nullptr) break;
    // Being canceled: the cancel routine is waiting for our lock to remove it.
    irp = PeekNextIrp(irp, peekContext);
  }
  if (irp != nullptr) {
    RemoveIrp(irp);
    auto* context = static_cast<CsqIrpContext*>(irp->driverContext[kContextSlot]);
    if (context != nullptr) context->irp = nullptr;
    ForgetQueue(irp);
  }
  ReleaseLock();
  return irp;
}

Irp* CancelSafeQueue::Remove(CsqIrpContext* context) {
  AcquireLock();
  Irp* irp = context->irp;
  if (irp != nullptr) {
    if (IoSetCancelRoutine(irp, nullptr) != nullptr) {
      RemoveIrp(irp);
      context->irp = nullptr;
      ForgetQueue(irp);
    } else {
      irp = nullptr;  // being canceled; the cancel routine finishes it
    }
  }
  ReleaseLock();
  return irp;
}

void CancelSafeQueue::CancelRoutineThunk(DeviceObject*, Irp* irp) {
  // Having won the routine exchange, this thread alone may remove the IRP, so the slots
  // (written before the routine was published) are stable to read without the lock.
  auto* queue = static_cast<CancelSafeQueue*>(irp->driverContext[kCsqSlot]);
  auto* context = static_cast<CsqIrpContext*>(irp->driverContext[kContextSlot]);
  queue->AcquireLock();
  queue->RemoveIrp(irp);
  if (context != nullptr) context->irp = nullptr;
  ForgetQueue(irp);
  queue->ReleaseLock();
  queue->CompleteCanceledIrp(irp);
}

bool ListCancelSafeQueue::Empty() {
  std::lock_guard lock(mutex_);
  return head_ == nullptr;
}

NtStatus ListCancelSafeQueue::InsertIrp(Irp* irp, void*) {
  LinkAfter(tail_, irp);
  return NtStatus::Success;
}

void ListCancelSafeQueue::LinkAfter(Irp* after, Irp* irp) {
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
  queued_.fetch_add(1, std::memory_order_release);
}

void ListCancelSafeQueue::RemoveIrp(Irp* irp) {
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
  queued_.fetch_sub(1, std::memory_order_release);
}

Irp* ListCancelSafeQueue::PeekNextIrp(Irp* irp, void* peekContext) {
  Irp* candidate = irp == nullptr ? head_ : irp->queueNext;
  while (candidate != nullptr && match_ != nullptr && !match_(candidate, peekContext)) {
    candidate = candidate->queueNext;
  }
  return candidate;
}

void ListCancelSafeQueue::CompleteCanceledIrp(Irp* irp) {
  IoCompleteWith(irp, NtStatus::Cancelled);
}

}  // namespace irpfs
