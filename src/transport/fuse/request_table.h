// The in-flight table: every request that awaits a reply, keyed by its unique.
//
// It exists for FUSE_INTERRUPT: the worker that reads an INTERRUPT finds the target
// here and runs the cancel hook the dispatcher set (reply.h). Records are pooled and
// linked intrusively into a fixed bucket array, so Begin and Finish allocate nothing
// once warm.
//
// An INTERRUPT can overtake its request: the kernel queues it as soon as the request
// was copied to some worker, and another worker may read the INTERRUPT before the first
// one called Begin. Such an interrupt is remembered; Begin of that unique marks the new
// record interrupted, so its hook runs as soon as it is set (libfuse's
// fuse_req_interrupt_func semantics). An interrupt whose request has already been
// answered would be remembered forever, so as libfuse does, the next Begin of another
// request answers one remembered interrupt EAGAIN: the kernel queues it again if its
// request still waits, and forgets it otherwise.
//
// Lock order: RequestTable::mu_ before InFlight::mu. Neither is held while a cancel hook
// runs or a reply is written. BufferPool's mutex is a leaf under both.
#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "transport/fuse/buffer_pool.h"
#include "transport/fuse/reply.h"
#include "transport/fuse/reply_sink.h"

namespace irpfs::fuse {

class RequestTable;

namespace detail {

struct InFlight {
  // Fixed while the record is in the table (replyFd: until RequestTable::Detach, which
  // changes it under mu).
  RequestContext ctx;
  RequestTable* table = nullptr;
  int replyFd = -1;
  uint32_t outLimit = 0;  // largest payload the request accepts; 0 = unchecked
  RecvBuffer* input = nullptr;
  // Set for requests that arrived on an io_uring entry: the reply goes to sink (with
  // sinkToken), not to replyFd. Dropped by RequestTable::Detach, like replyFd.
  ReplySink* sink = nullptr;
  void* sinkToken = nullptr;

  // Guarded by mu while the record is in flight; Finish resets them under the table's
  // mu_ alone (see there).
  std::mutex mu;
  std::condition_variable hookDone;
  CancelHook hook = nullptr;
  void* hookCtx = nullptr;
  bool interrupted = false;
  bool hookFired = false;  // the hook ran (or runs): never again
  bool hookRunning = false;
  std::thread::id hookThread;
  bool completing = false;      // a completion has started
  bool finishDeferred = false;  // completed from inside its own hook

  // The handle holder's alone (Reply::PinInput, AcquireBuffer, Buffer), then Finish's.
  bool inputPinned = false;
  OutBuffer* out = nullptr;

  // Guarded by RequestTable::mu_.
  InFlight* bucketNext = nullptr;
  InFlight* bucketPrev = nullptr;
  InFlight* nextFree = nullptr;
};

}  // namespace detail

class RequestTable {
 public:
  // At most this many overtaking interrupts are remembered.
  static constexpr size_t kMaxEarlyInterrupts = 64;

  explicit RequestTable(BufferPool& pool) : pool_(pool) {}
  RequestTable(const RequestTable&) = delete;
  RequestTable& operator=(const RequestTable&) = delete;
  // Every Reply must have completed.
  ~RequestTable();

  // Registers a request read into `input` on `fd` and returns its Reply. The reply is
  // written on `fd`.
  Reply Begin(const RequestContext& ctx, int fd, RecvBuffer* input, uint32_t outLimit);
  // The same for a request that arrived on an io_uring entry: its reply goes to `sink`.
  // Its input lives in the entry until the reply, so it needs no receive buffer.
  Reply BeginOnSink(const RequestContext& ctx, ReplySink* sink, void* token, uint32_t outLimit);

  // FUSE_INTERRUPT of `target`, read on `fd` as request `interruptUnique`. Runs the
  // target's cancel hook on this thread if one is set.
  void Interrupt(uint64_t target, uint64_t interruptUnique, int fd);

  size_t InFlightCount() const;

  // From now on completions are not written: every record's fd is dropped under its
  // mutex, which a completion holds while writing, so once Detach returns no write is in
  // progress and the fds may be closed.
  void Detach();
  size_t EarlyInterruptCount() const;

  BufferPool& pool() { return pool_; }

  // For Reply: the end of a record's life (unlink, return buffers, recycle).
  void Finish(detail::InFlight* record);
  // For Reply and Interrupt: a hook returned on this thread.
  void HookReturned(detail::InFlight* record);
  // Runs the record's hook (already claimed under record->mu) and cleans up after it.
  void RunHook(detail::InFlight* record, CancelHook hook, void* ctx);

 private:
  static constexpr size_t kBuckets = 256;
  struct EarlyInterrupt {
    uint64_t target = 0;
    uint64_t unique = 0;
    int fd = -1;
  };

  static size_t Bucket(uint64_t unique) { return (unique >> 1) % kBuckets; }
  Reply BeginRecord(const RequestContext& ctx, int fd, RecvBuffer* input, ReplySink* sink,
                    void* token, uint32_t outLimit);
  detail::InFlight* FindLocked(uint64_t unique) const;

  BufferPool& pool_;
  mutable std::mutex mu_;
  std::array<detail::InFlight*, kBuckets> buckets_{};
  detail::InFlight* free_ = nullptr;
  size_t inFlight_ = 0;
  std::vector<detail::InFlight*> all_;
  std::array<EarlyInterrupt, kMaxEarlyInterrupts> early_{};
  size_t earlyCount_ = 0;  // early_[0] is the oldest
  bool detached_ = false;
};

}  // namespace irpfs::fuse
