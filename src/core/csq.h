// The cancel-safe queue (NT's IO_CSQ): a driver that pends IRPs keeps them in a queue of
// its own, and the queue guarantees that each queued IRP is either removed by the driver
// or completed as canceled, never both and never neither, however IoCancelIrp races with
// removal.
//
// The protocol: the queue sets its own cancel routine when it inserts an IRP. A remover
// clears the cancel routine before taking an IRP out; if the routine was already gone, a
// cancel is in progress and the cancel routine will remove and complete the IRP, so the
// remover skips it. The cancel routine takes the queue lock, removes the IRP and calls
// CompleteCanceledIrp.
#pragma once

#include <atomic>
#include <mutex>

#include "core/irp.h"

namespace irpfs {

// Lets a driver remove one specific IRP later (IoCsqRemoveIrp's IO_CSQ_IRP_CONTEXT).
struct CsqIrpContext {
  Irp* irp = nullptr;
  class CancelSafeQueue* csq = nullptr;
};

class CancelSafeQueue {
 public:
  virtual ~CancelSafeQueue() = default;

  // Inserts a pending IRP. Returns STATUS_PENDING when queued; if the IRP was already
  // canceled it is completed through CompleteCanceledIrp and STATUS_CANCELLED returned.
  // The caller must have marked the IRP pending.
  NtStatus Insert(Irp* irp, CsqIrpContext* context = nullptr, void* insertContext = nullptr);
  // The first IRP that PeekNextIrp offers for peekContext and that is not being canceled.
  Irp* RemoveNext(void* peekContext = nullptr);
  // Removes the IRP the context names, unless it is being canceled (then nullptr).
  Irp* Remove(CsqIrpContext* context);

 protected:
  // The callback set (CsqInsertIrp, CsqRemoveIrp, CsqPeekNextIrp, CsqAcquireLock,
  // CsqReleaseLock, CsqCompleteCanceledIrp). Insert/Remove/Peek run with the lock held.
  virtual NtStatus InsertIrp(Irp* irp, void* insertContext) = 0;
  virtual void RemoveIrp(Irp* irp) = 0;
  // The IRP after `irp` (or the first when irp is null) that matches peekContext.
  virtual Irp* PeekNextIrp(Irp* irp, void* peekContext) = 0;
  virtual void AcquireLock() = 0;
  virtual void ReleaseLock() = 0;
  virtual void CompleteCanceledIrp(Irp* irp) = 0;

 private:
  static void CancelRoutineThunk(DeviceObject* device, Irp* irp);
};

// A ready CSQ: a FIFO of IRPs under a mutex, matched on peek by a predicate over
// (irp, peekContext); canceled IRPs complete with STATUS_CANCELLED. Enough for most
// drivers; override what differs (a queue kept in another order overrides InsertIrp and
// places the IRP with LinkAfter, as the faults filter's DelayQueue does).
class ListCancelSafeQueue : public CancelSafeQueue {
 public:
  using Match = bool (*)(Irp* irp, void* peekContext);
  explicit ListCancelSafeQueue(Match match = nullptr) : match_(match) {}
  bool Empty();
  // Empty() without the lock, for a caller that only skips work on an empty queue and
  // already knows no insert can race with it (a cleanup after the last request of its
  // handle): true when no IRP was queued as far as this thread can see.
  bool SeemsEmpty() const { return queued_.load(std::memory_order_acquire) == 0; }

 protected:
  NtStatus InsertIrp(Irp* irp, void* insertContext) override;
  void RemoveIrp(Irp* irp) override;
  Irp* PeekNextIrp(Irp* irp, void* peekContext) override;
  void AcquireLock() override { mutex_.lock(); }
  void ReleaseLock() override { mutex_.unlock(); }
  void CompleteCanceledIrp(Irp* irp) override;

  // The list itself, for subclasses; only with the lock held.
  Irp* Head() const { return head_; }
  Irp* Tail() const { return tail_; }
  // Links `irp` right after `after`, or first when `after` is null.
  void LinkAfter(Irp* after, Irp* irp);

 private:
  Match match_;
  std::mutex mutex_;
  Irp* head_ = nullptr;
  Irp* tail_ = nullptr;
  std::atomic<size_t> queued_{0};  // changed under mutex_ only
};

}  // namespace irpfs
