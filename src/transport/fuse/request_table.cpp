#include "transport/fuse/request_table.h"

#include <cerrno>

#include "transport/fuse/frame.h"
#include "transport/fuse/log.h"

namespace irpfs::fuse {

using detail::InFlight;

RequestTable::~RequestTable() {
  if (inFlight_ != 0) {
    FuseLog(LogLevel::kError, "request table destroyed with %zu requests unanswered", inFlight_);
  }
  for (InFlight* record : all_) delete record;
}

InFlight* RequestTable::FindLocked(uint64_t unique) const {
  for (InFlight* r = buckets_[Bucket(unique)]; r != nullptr; r = r->bucketNext) {
    if (r->ctx.unique == unique) return r;
  }
  return nullptr;
}

Reply RequestTable::Begin(const RequestContext& ctx, int fd, RecvBuffer* input, uint32_t outLimit) {
  return BeginRecord(ctx, fd, input, nullptr, nullptr, outLimit);
}

Reply RequestTable::BeginOnSink(const RequestContext& ctx, ReplySink* sink, void* token,
                                uint32_t outLimit) {
  return BeginRecord(ctx, -1, nullptr, sink, token, outLimit);
}

Reply RequestTable::BeginRecord(const RequestContext& ctx, int fd, RecvBuffer* input,
                                ReplySink* sink, void* token, uint32_t outLimit) {
  EarlyInterrupt stale;
  bool answerStale = false;
  InFlight* record = nullptr;
  {
    std::lock_guard lock(mu_);
    if (free_ != nullptr) {
      record = free_;
      free_ = record->nextFree;
      record->nextFree = nullptr;
    } else {
      record = new InFlight;
      all_.push_back(record);
    }
    record->ctx = ctx;
    record->table = this;
    record->replyFd = detached_ ? -1 : fd;
    record->outLimit = outLimit;
    record->input = input;
    record->sink = detached_ ? nullptr : sink;
    record->sinkToken = token;

    size_t bucket = Bucket(ctx.unique);
    record->bucketPrev = nullptr;
    record->bucketNext = buckets_[bucket];
    if (record->bucketNext != nullptr) record->bucketNext->bucketPrev = record;
    buckets_[bucket] = record;
    ++inFlight_;

    for (size_t i = 0; i < earlyCount_; ++i) {
      if (early_[i].target != ctx.unique) continue;
      record->interrupted = true;  // no other thread sees the record yet
      for (size_t j = i + 1; j < earlyCount_; ++j) early_[j - 1] = early_[j];
      --earlyCount_;
      break;
    }
    if (!record->interrupted && earlyCount_ > 0) {
      stale = early_[0];
      for (size_t j = 1; j < earlyCount_; ++j) early_[j - 1] = early_[j];
      --earlyCount_;
      answerStale = true;
    }
  }
  if (answerStale) WriteFrame(stale.fd, stale.unique, -EAGAIN, nullptr, 0);
  return Reply(record);
}

void RequestTable::Interrupt(uint64_t target, uint64_t interruptUnique, int fd) {
  EarlyInterrupt evicted;
  bool answerEvicted = false;
  CancelHook hook = nullptr;
  void* hookCtx = nullptr;
  InFlight* record = nullptr;
  {
    std::lock_guard lock(mu_);
    record = FindLocked(target);
    if (record == nullptr) {
      if (earlyCount_ == early_.size()) {
        evicted = early_[0];
        for (size_t j = 1; j < earlyCount_; ++j) early_[j - 1] = early_[j];
        --earlyCount_;
        answerEvicted = true;
      }
      early_[earlyCount_++] = EarlyInterrupt{target, interruptUnique, fd};
    } else {
      std::lock_guard recordLock(record->mu);
      record->interrupted = true;
      if (!record->completing && !record->hookFired && record->hook != nullptr) {
        hook = record->hook;
        hookCtx = record->hookCtx;
        record->hookFired = true;
        record->hookRunning = true;
        record->hookThread = std::this_thread::get_id();
      }
    }
  }
  FuseLog(LogLevel::kDebug, "INTERRUPT of %llu: %s", static_cast<unsigned long long>(target),
          record == nullptr ? "not in flight yet, remembered"
          : hook != nullptr ? "running its cancel hook"
                            : "marked (no hook set)");
  if (answerEvicted) WriteFrame(evicted.fd, evicted.unique, -EAGAIN, nullptr, 0);
  // The record cannot be recycled while hookRunning: a completion waits for it.
  if (hook != nullptr) RunHook(record, hook, hookCtx);
}

void RequestTable::RunHook(InFlight* record, CancelHook hook, void* ctx) {
  hook(ctx);
  HookReturned(record);
}

void RequestTable::HookReturned(InFlight* record) {
  bool finish = false;
  {
    std::lock_guard lock(record->mu);
    record->hookRunning = false;
    finish = record->finishDeferred;
    if (!finish) record->hookDone.notify_all();
  }
  if (finish) Finish(record);
}

void RequestTable::Finish(InFlight* record) {
  RecvBuffer* pinned = nullptr;
  OutBuffer* out = nullptr;
  {
    // One lock for the whole retirement. The record's own mutex is not needed: the
    // completion has ended (no hook runs, none will: `completing` is set), and the only
    // other thread that may reach the record, an Interrupt that found it in its bucket,
    // holds mu_ all the while it looks at the record.
    std::lock_guard lock(mu_);
    if (record->bucketPrev != nullptr) {
      record->bucketPrev->bucketNext = record->bucketNext;
    } else {
      buckets_[Bucket(record->ctx.unique)] = record->bucketNext;
    }
    if (record->bucketNext != nullptr) record->bucketNext->bucketPrev = record->bucketPrev;
    record->bucketNext = record->bucketPrev = nullptr;

    if (record->inputPinned) pinned = record->input;
    out = record->out;
    record->hook = nullptr;
    record->hookCtx = nullptr;
    record->interrupted = false;
    record->hookFired = false;
    record->hookRunning = false;
    record->completing = false;
    record->finishDeferred = false;
    record->inputPinned = false;
    record->out = nullptr;
    record->input = nullptr;
    record->sink = nullptr;
    record->sinkToken = nullptr;
    record->nextFree = free_;
    free_ = record;
    --inFlight_;
  }
  if (pinned != nullptr) pool_.ReleaseRecv(pinned);
  if (out != nullptr) pool_.ReleaseOut(out);
}

void RequestTable::Detach() {
  std::lock_guard lock(mu_);
  detached_ = true;
  for (InFlight* head : buckets_) {
    for (InFlight* r = head; r != nullptr; r = r->bucketNext) {
      std::lock_guard recordLock(r->mu);
      r->replyFd = -1;
      r->sink = nullptr;
    }
  }
}

size_t RequestTable::InFlightCount() const {
  std::lock_guard lock(mu_);
  return inFlight_;
}

size_t RequestTable::EarlyInterruptCount() const {
  std::lock_guard lock(mu_);
  return earlyCount_;
}

}  // namespace irpfs::fuse
