// UringQueue: one FUSE-over-io_uring queue (one per possible CPU, qid = CPU), served by
// one thread pinned to its CPU.
//
// The kernel's protocol (Documentation/filesystems/fuse-io-uring.rst):
// - Each ring entry is a header buffer (fuse_uring_req_header) and a payload buffer of
//   at least the connection's max payload, registered with FUSE_IO_URING_CMD_REGISTER
//   (an IORING_OP_URING_CMD on the /dev/fuse fd with 128-byte SQEs).
// - The completion of that SQE means a request arrived in the entry: fuse_in_header in
//   the header's in_out, the opcode's fixed struct in op_in, the rest in the payload.
// - The answer goes back the same way: fuse_out_header in in_out, the whole reply
//   payload in the payload buffer, and FUSE_IO_URING_CMD_COMMIT_AND_FETCH, which also
//   waits for the entry's next request.
// FORGET and INTERRUPT still come through read(2) on /dev/fuse (the channel keeps a
// worker there).
//
// Requests go to the channel's decoder and dispatcher through `handler` with the input
// laid out as read(2) would return it: the small fixed part is copied in front of the
// payload, which is placed after a gap for it, so nothing else is copied.
//
// Replies (ReplySink::Send) copy the answer into the entry from whichever thread
// completes it. The ring thread's own completions are queued for the next submit; any
// other thread pushes the entry on a lock-free list and, if the list was empty, signals
// an eventfd the ring always has a read armed on: it never blocks the ring's thread.
//
// The thread stops when the kernel ends the entries (ENOTCONN/ENODEV/ECONNABORTED/
// ECANCELED: unmount or abort) or when Stop() is called.
#pragma once

#include <liburing.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "transport/fuse/fuse_abi.h"
#include "transport/fuse/reply_sink.h"

namespace irpfs::fuse {

// Called on the ring thread for each request; the request must be answered through
// `sink` with `token` (the channel does it through a Reply).
using RingRequestHandler = void (*)(void* ctx, std::span<const std::byte> request, ReplySink* sink,
                                    void* token);

struct UringQueueOptions {
  unsigned qid = 0;
  int devFd = -1;
  unsigned depth = 8;      // ring entries (requests in flight) on this queue
  size_t payloadSize = 0;  // >= the kernel's max payload: max(max_write, max_pages pages)
  bool pinToCpu = true;    // pin the thread to CPU qid
  // After serving requests, how long the thread keeps looking for the next one before it
  // sleeps in io_uring_enter (0: never). See spin_poller.h for why polling pays here.
  std::chrono::microseconds spinWindow{0};
  // The scheduler slice the thread asks for (worker_slice.h); 0: the kernel's default.
  std::chrono::microseconds workerSlice{0};
};

class UringQueue final : public ReplySink {
 public:
  UringQueue(const UringQueueOptions& options, RingRequestHandler handler, void* ctx);
  UringQueue(const UringQueue&) = delete;
  UringQueue& operator=(const UringQueue&) = delete;
  // Stops and joins the thread, then frees the entries.
  ~UringQueue();

  // Starts the thread and waits until its entries are registered. 0, or -errno with
  // error() saying why (-EOPNOTSUPP: the kernel has FUSE-over-io_uring disabled).
  // `onExit` runs on the thread as it ends.
  int Start(void (*onExit)(void* ctx), void* exitCtx);
  // Asks the thread to end; does not wait.
  void Stop();
  void Join();
  // Times polling after a request found a completion waiting (PollBriefly).
  uint64_t PolledCount() const { return polled_.load(std::memory_order_relaxed); }

  int Send(void* token, uint64_t unique, int32_t error, const iovec* payload, int count) override;

  unsigned qid() const { return options_.qid; }
  uint64_t RequestCount() const { return requests_.load(std::memory_order_relaxed); }
  const std::string& error() const { return error_; }

  // The number of queues the kernel expects: one per possible CPU.
  static unsigned PossibleCpuCount();
  // Whether this process may create a ring of 128-byte SQEs (io_uring can be disabled by
  // the kernel.io_uring_disabled sysctl or seccomp). Asked before agreeing to
  // FUSE_OVER_IO_URING at INIT, because once agreed the kernel holds every request
  // until all queues are registered.
  static bool CanCreateRing(std::string* why);
  // Makes the kernel give up io_uring for this connection after our queues failed:
  // a registration it refuses (an impossible qid) clears its io_uring state and releases
  // the requests it held, which then come through /dev/fuse.
  static void AbandonOnKernel(int devFd);

 private:
  struct Entry;

  void Run(void (*onExit)(void*), void* exitCtx);
  int Setup();
  void Loop();
  // Submits what is queued and waits up to spinWindow for a completion, yielding the CPU
  // between looks.
  void PollBriefly();
  void ReportStart(int result);
  void SubmitEntry(Entry* entry, UringCmd cmd);
  io_uring_sqe* NextSqe();
  void ArmWake();
  void OnCompletion(io_uring_cqe* cqe);
  void OnRequest(Entry* entry);
  void TakeHandoffs();
  void FlushCommits();

  const UringQueueOptions options_;
  const RingRequestHandler handler_;
  void* const handlerCtx_;

  io_uring ring_{};
  bool ringReady_ = false;
  int wakeFd_ = -1;
  uint64_t wakeValue_ = 0;
  std::vector<Entry*> entries_;
  std::vector<Entry*> commits_;  // ring-thread completions, capacity = depth
  std::atomic<Entry*> handoff_{nullptr};
  unsigned inKernel_ = 0;
  bool sessionEnded_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> polled_{0};

  std::thread thread_;
  std::mutex startMu_;
  std::condition_variable startCv_;
  bool startKnown_ = false;
  int startResult_ = 0;
  std::string error_;
};

}  // namespace irpfs::fuse
