// The life of one request in the dispatcher: a pooled record, IRPs sent asynchronously
// and continued from their completion, cancellation, and the release of what the request
// held. The per-opcode steps live in the other dispatcher_*.cpp files.
#include <cassert>
#include <chrono>

#include "core/io_manager.h"
#include "transport/fuse/dispatcher_impl.h"
#include "transport/fuse/dispatcher_operation.h"
#include "transport/fuse/invalidator.h"

namespace irpfs::fuse {

using detail::Next;
using detail::Operation;
using detail::OpKind;

namespace {
// Requests that change the names in directory ctx.nodeid or its mtime (RENAME also
// changes its newdir, which Rename2 reports).
bool ChangesDirectory(OpKind kind) {
  switch (kind) {
    case OpKind::kMakeNode:
    case OpKind::kCreate:
    case OpKind::kRemove:
    case OpKind::kRename:
    case OpKind::kLink:
    case OpKind::kSetattr:
      return true;
    default:
      return false;
  }
}
}  // namespace

void Operation::Reset() {
  step = 0;
  statx = false;
  ref.Release();
  creating = nullptr;
  created = nullptr;
  phase.store(detail::phase::kIdle, std::memory_order_relaxed);
  cancelState.store(0, std::memory_order_relaxed);
  fo = fo2 = opened = opened2 = nullptr;
  name = name2 = {};
  data = {};
  flags = mode = umask = size = 0;
  rdev = offset = 0;
  openInfo = OpenInfo{};
  askedLock = fuse_file_lock{};
  out = {};
  writer = DirentWriter{std::span<std::byte>{}};
  dirNext = dirEnd = 0;
  dirState = 0;
}

Operation* DispatcherImpl::Begin(OpKind kind, const RequestContext& ctx, Reply reply,
                                 detail::Input input) {
  Operation* op = spareOperations_.Take();
  if (op == nullptr) {
    std::lock_guard lock(poolMutex_);
    if (freeList_ != nullptr) {
      op = freeList_;
      freeList_ = op->nextFree;
    }
  }
  if (op == nullptr) {
    // The pool grows to the largest number of requests ever in flight at once.
    auto fresh = std::make_unique<Operation>();
    op = fresh.get();
    std::lock_guard lock(poolMutex_);
    allOperations_.push_back(std::move(fresh));
  }
  op->nextFree = nullptr;
  op->dispatcher = this;
  op->kind = kind;
  op->ctx = ctx;
  op->changedNode = ctx.nodeid;
  if (ChangesDirectory(kind)) listings_.Changed(ctx.nodeid);
  op->requestor = Requestor{static_cast<pid_t>(ctx.pid), ctx.uid, ctx.gid};
  op->reply = std::move(reply);
  inFlight_.fetch_add(1);
  // Names and payloads may be read by IRPs after the dispatcher method returns.
  if (input == detail::Input::kPinned) op->reply.PinInput();
  op->reply.SetCancelHook(&DispatcherImpl::OnCancel, op);
  return op;
}

void DispatcherImpl::KeepNames(Operation* op, std::string_view name, std::string_view name2) {
  if (name.size() + name2.size() + 2 > op->nameCopies.size()) {
    op->reply.PinInput();
    op->name = name;
    op->name2 = name2;
    return;
  }
  // name.copy, not memcpy: an empty view may have no data pointer at all.
  char* first = op->nameCopies.data();
  first[name.copy(first, name.size())] = '\0';
  char* second = first + name.size() + 1;
  second[name2.copy(second, name2.size())] = '\0';
  op->name = {first, name.size()};
  op->name2 = {second, name2.size()};
}

void DispatcherImpl::Run(Operation* op) {
  for (;;) {
    if (Step(*op) == Next::kDone) {
      Retire(op);
      return;
    }
    if (!Send(op)) return;
  }
}

void DispatcherImpl::Start(Operation* op) {
  op->step = 1;
  if (Send(op)) Run(op);
}

void DispatcherImpl::FailEarly(Operation* op, NtStatus status) {
  Fail(*op, status);
  Retire(op);
}

bool DispatcherImpl::Send(Operation* op) {
  op->phase.store(detail::phase::kIdle);
  // An interrupt that came before this IRP: it starts out canceled, so a driver that
  // would pend it completes it as canceled instead (the cancel-safe queue checks).
  if (op->cancelState.fetch_or(detail::cancel_bit::kArmed) & detail::cancel_bit::kCancelRequested) {
    op->irp.cancel.store(true);
  }
  IoSetOriginatorCompletion(&op->irp, &DispatcherImpl::OnIrpComplete, op);
  // Acquire may wait while a filter is being attached or detached.
  op->ref = op->dispatcher->stack_->Acquire();
  op->dispatcher->stack_->Call(op->ref, &op->irp);
  // Whoever comes second continues: the completion (another thread) or us.
  return op->phase.exchange(detail::phase::kSent) == detail::phase::kCompleted;
}

void DispatcherImpl::OnIrpComplete(Irp*, void* context) {
  auto* op = static_cast<Operation*>(context);
  // First: what follows may close handles or send the next IRP, which takes a reference
  // of its own (never two at once on one thread).
  op->ref.Release();
  uint8_t state = op->cancelState.load();
  uint8_t next;
  do {
    next = static_cast<uint8_t>(state & ~detail::cancel_bit::kArmed);
    // The hook is inside IoCancelIrp with this IRP; it continues when that returns.
    if (state & detail::cancel_bit::kHookBusy) next |= detail::cancel_bit::kCompletedDuringHook;
  } while (!op->cancelState.compare_exchange_weak(state, next));
  if (state & detail::cancel_bit::kHookBusy) return;
  op->dispatcher->IrpFinished(op);
}

void DispatcherImpl::OnCancel(void* context) {
  auto* op = static_cast<Operation*>(context);
  uint8_t state = op->cancelState.load();
  uint8_t next;
  do {
    next = state | detail::cancel_bit::kCancelRequested;
    if (state & detail::cancel_bit::kArmed) next |= detail::cancel_bit::kHookBusy;
  } while (!op->cancelState.compare_exchange_weak(state, next));
  if (!(state & detail::cancel_bit::kArmed)) return;
  IoCancelIrp(&op->irp);
  constexpr uint8_t kHookEnds =
      detail::cancel_bit::kHookBusy | detail::cancel_bit::kCompletedDuringHook;
  bool finish = op->cancelState.fetch_and(static_cast<uint8_t>(~kHookEnds)) &
                detail::cancel_bit::kCompletedDuringHook;
  if (finish) op->dispatcher->IrpFinished(op);
}

void DispatcherImpl::IrpFinished(Operation* op) {
  // A CREATE's new FileObject: ours (one handle) on success, gone on failure.
  if (op->creating != nullptr) {
    FileObject* fileObject = op->creating;
    op->creating = nullptr;
    if (NtSuccess(op->irp.ioStatus.status)) {
      ObOpenHandle(fileObject);
      ObDereferenceObject(fileObject);  // the creation reference; the handle keeps it
      op->created = fileObject;
    } else {
      // Never opened: the last reference sends no IRP, so no stack reference is needed.
      ObDereferenceObject(fileObject);
    }
  }
  // The file system changed attributes the reply does not carry (a write dropped set-ID
  // bits): the kernel forgets its copy before anything answers, so no exec or permission
  // check goes by the old mode.
  Invalidator* invalidator = connection_.invalidator;
  if ((op->irp.flags & irp_flag::kAttributesChanged) && invalidator != nullptr) {
    invalidator->InvalidateAttributesNow(op->changedNode);
  }
  if (op->phase.exchange(detail::phase::kCompleted) == detail::phase::kSent) Defer(op);
}

void DispatcherImpl::Defer(Operation* op) {
  {
    std::lock_guard lock(deferMutex_);
    op->nextDeferred = nullptr;
    if (deferTail_ != nullptr) {
      deferTail_->nextDeferred = op;
    } else {
      deferHead_ = op;
    }
    deferTail_ = op;
  }
  deferred_.notify_one();
}

void DispatcherImpl::ContinuationLoop() {
  std::unique_lock lock(deferMutex_);
  for (;;) {
    deferred_.wait(lock, [this] { return deferHead_ != nullptr || deferStop_; });
    if (deferHead_ == nullptr) return;  // stopping, and nothing left
    Operation* op = deferHead_;
    deferHead_ = op->nextDeferred;
    if (deferHead_ == nullptr) deferTail_ = nullptr;
    continuing_ = true;
    lock.unlock();
    Run(op);
    lock.lock();
    continuing_ = false;
    if (deferHead_ == nullptr) continuationIdle_.notify_all();
  }
}

size_t DispatcherImpl::OperationsInFlight() const {
  std::unique_lock lock(deferMutex_);
  continuationIdle_.wait_for(lock, std::chrono::seconds(1),
                             [this] { return deferHead_ == nullptr && !continuing_; });
  return inFlight_.load();
}

void DispatcherImpl::Retire(Operation* op) {
  assert(!op->reply.Pending());
  // After the Reply completed, the cancel hook is not running and never will.
  ReleaseHeld(*op);
  op->Reset();
  if (!spareOperations_.Keep(op)) {
    std::lock_guard lock(poolMutex_);
    op->nextFree = freeList_;
    freeList_ = op;
  }
  // While others are in flight this one cannot be the last: no one to wake, and the
  // destructor cannot finish meanwhile, so no mutex (one fewer per request at depth).
  size_t count = inFlight_.load(std::memory_order_relaxed);
  while (count > 1) {
    if (inFlight_.compare_exchange_weak(count, count - 1, std::memory_order_acq_rel)) return;
  }
  // Possibly the last: under the mutex, so the destructor cannot see zero (and free the
  // mutex) while this thread is still on its way to notify it.
  std::lock_guard lock(idleMutex_);
  if (inFlight_.fetch_sub(1) == 1) idle_.notify_all();
}

}  // namespace irpfs::fuse
