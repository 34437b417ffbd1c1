// FuseChannel: INIT, the worker threads, decoding, and the in-flight table.
//
// Layers: FuseTransport (transport.h) gives fds and moves bytes; the channel turns bytes
// into typed calls on a FuseDispatcher (dispatcher.h) and frames the replies (reply.h).
//
// Threads
// - Start() runs on the caller's thread: it reads INIT from the session fd, answers it,
//   calls FuseDispatcher::Init, then starts `threads` workers. Worker 0 reads the
//   session fd; the others each read their own clone (FUSE_DEV_IOC_CLONE), falling back
//   to the session fd when cloning is refused.
// - Each worker owns one receive buffer (max_write + a page) and loops: read one
//   request, decode it, dispatch it, repeat. Replies are written by whichever thread
//   completes them, on the fd the request came from (reply.h).
// - FUSE_INTERRUPT runs the target's cancel hook on the worker that read it.
// - Workers stop when read(2) reports ENODEV or ECONNABORTED (unmounted or aborted) or
//   end-of-file (a socket-based fake kernel closed its end). Wait() joins them.
// - Invalidations go through invalidator(), which has its own thread.
//
// Unknown opcodes are answered ENOSYS and logged once per opcode; malformed requests
// (bad lengths, names without NUL, short payloads) are answered EINVAL, or EIO when the
// header length lies, and logged; none of them stops the channel.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "transport/fuse/buffer_pool.h"
#include "transport/fuse/decoder.h"
#include "transport/fuse/dispatcher.h"
#include "transport/fuse/invalidator.h"
#include "transport/fuse/request_table.h"
#include "transport/fuse/spin_poller.h"
#include "transport/fuse/standby_gate.h"
#include "transport/fuse/transport.h"
#include "transport/fuse/uring_queue.h"
#include "transport/fuse/worker_slice.h"

namespace irpfs::fuse {

class NotifyQueue;

// What irpfs asks of the kernel in INIT. The kernel grants the intersection with what it
// offers; ConnectionInfo (dispatcher.h) says what was agreed.
struct ChannelOptions {
  unsigned threads = 0;  // 0: one per online CPU plus two, at least 4 (channel.cpp)
  uint32_t maxWrite = 1u << 20;
  uint16_t maxPages = kDefaultMaxPagesLimit;  // also bounds READ sizes (pages of 4 KiB)
  uint16_t maxBackground = 64;
  uint16_t congestionThreshold = 48;
  uint32_t timeGranNs = 1;
  bool asyncRead = true;
  bool parallelDirops = true;
  bool atomicOTrunc = true;
  bool readdirplus = true;      // FUSE_DO_READDIRPLUS
  bool readdirplusAuto = true;  // let the kernel choose READDIR or READDIRPLUS
  bool writebackCache = false;
  bool posixLocks = true;
  bool flockLocks = true;
  // FUSE_HANDLE_KILLPRIV_V2: the file system drops set-ID bits and file capabilities on
  // write, truncate and chown itself, so the kernel marks checked inodes S_NOSEC and stops
  // sending a GETXATTR of security.capability before every write. Only for stacks that do.
  bool handleKillprivV2 = false;
  bool autoInvalData = true;
  // Pin worker i to CPU i (mod the CPUs this process may use), so a request is served
  // where its worker last ran. Off by default: measure before turning it on.
  bool pinWorkers = false;
  // How long a /dev/fuse worker or a ring thread keeps polling for the next request after
  // answering one (spin_poller.h); 0 turns polling off. Never with one usable CPU.
  std::chrono::microseconds spinWindow = kDefaultSpinWindow;
  // Poll only while no other task would wait for the CPU (CpuLoadProbe); false polls
  // whatever the load (tests that need polls to happen on a busy machine).
  bool spinOnlyWithASpareCpu = true;
  // The scheduler slice the workers and ring threads ask for (worker_slice.h), so a woken
  // worker runs at once on a busy CPU; 0 (the default) leaves them the kernel's.
  std::chrono::microseconds workerSlice{0};
  // Park the workers after the first while it keeps up alone (standby_gate.h). Only
  // where workers poll: without polling the kernel's wake-ups are the only ones.
  bool standbyGate = true;
  // FUSE_PASSTHROUGH (on by default for the mirror). Needs CAP_SYS_ADMIN to register
  // backing files and is incompatible with the writeback cache; when it cannot be had,
  // INIT leaves it out and logs one line saying why.
  bool passthrough = false;
  // FUSE-over-io_uring (uring_queue.h): ask for FUSE_OVER_IO_URING and, when the kernel
  // agrees, serve requests from one ring per possible CPU, each with `uringDepth`
  // entries; one /dev/fuse worker stays for FORGET and INTERRUPT. When the kernel does
  // not offer it (the fuse module's enable_uring is off) or refuses the registration,
  // the channel runs its /dev/fuse workers as without the option.
  bool useUring = false;
  unsigned uringDepth = 8;
};

class FuseChannel {
 public:
  FuseChannel(FuseTransport& transport, FuseDispatcher& dispatcher, ChannelOptions options);
  FuseChannel(const FuseChannel&) = delete;
  FuseChannel& operator=(const FuseChannel&) = delete;
  // Joins the workers: the session must have ended (unmount) or never started. Destroy
  // the dispatcher first: Replies it still holds are waited for (a few seconds), then
  // abandoned with an error in the log.
  ~FuseChannel();

  // Negotiates INIT and starts the workers. On failure, error() says why.
  NtStatus Start();
  // Before Start: where the standby gate reads the kernel's count of requests in flight
  // (/sys/fs/fuse/connections/N/waiting; standby_gate.h).
  void SetQueueProbe(std::string path) { queueProbe_ = std::move(path); }
  // Blocks until every worker has stopped.
  void Wait();
  // After the workers stopped: replies completed from now on are not written (the
  // session is gone and its fds are about to close). Called by FuseMount::Unmount.
  void DetachReplies();
  // True once every worker has stopped.
  bool Stopped() const { return running_.load(std::memory_order_acquire) == 0 && started_; }

  const ConnectionInfo& info() const { return info_; }
  const std::string& error() const { return error_; }
  Invalidator& invalidator();

  // Requests received per opcode (for traces and tests); unknown opcodes count at 0.
  uint64_t RequestCount(Opcode opcode) const;
  size_t InFlightCount() const { return table_->InFlightCount(); }
  size_t WorkerCount() const { return workers_.size(); }
  // Workers reading their own FUSE_DEV_IOC_CLONE fd (the others share the session fd).
  size_t ClonedWorkerCount() const { return clonedWorkers_; }
  // True when requests come through io_uring queues (useUring, and the kernel agreed).
  bool UringActive() const { return !rings_.empty(); }
  size_t UringQueueCount() const { return rings_.size(); }
  // Requests taken from the rings so far.
  uint64_t UringRequestCount() const;
  // Requests a /dev/fuse worker or a ring thread took while polling, without being woken
  // (spin_poller.h).
  uint64_t PolledRequestCount() const;
  // The standby gate (standby_gate.h); nullptr when the workers do not poll or there
  // is only one.
  const StandbyGate* standbyGate() const { return gate_.get(); }
  // Why useUring fell back to /dev/fuse workers (empty when it did not).
  const std::string& uringFallbackReason() const { return uringFallback_; }

 private:
  NtStatus Negotiate(const DecodedRequest& request, int fd, bool* again);
  // Where a request came from, and so where its answer goes.
  struct Route {
    int fd = -1;                   // /dev/fuse: the fd it was read from
    RecvBuffer* buffer = nullptr;  // ... into this buffer
    ReplySink* sink = nullptr;     // io_uring: the queue and entry
    void* token = nullptr;
  };

  bool StartUring();
  void StopUring();
  static void OnRingRequest(void* ctx, std::span<const std::byte> request, ReplySink* sink,
                            void* token);
  static void OnThreadExit(void* ctx);
  // ownsFd: no other worker reads fd, so the worker may poll it (spin_poller.h).
  void Worker(int fd, unsigned index, bool ownsFd);
  // One request, whichever way it came: decode, then dispatch or answer.
  void Handle(std::span<const std::byte> bytes, const Route& route);
  void Answer(const Route& route, uint64_t unique, int err);
  void AnswerMalformed(const Route& route, const DecodedRequest& request, DecodeError error);
  void LogUnknownOnce(uint32_t opcode);

  FuseTransport& transport_;
  FuseDispatcher& dispatcher_;
  const ChannelOptions options_;
  ConnectionInfo info_;
  DecodeOptions decodeOptions_;
  std::string error_;
  // Heap-held so that, if a dispatcher still holds Replies when the channel goes, both
  // can be left behind (leaked, with an error logged) instead of freed under them.
  std::unique_ptr<BufferPool> pool_;
  std::unique_ptr<RequestTable> table_;
  std::unique_ptr<NotifyQueue> notify_;
  std::vector<std::thread> workers_;
  SpinPoller poller_;
  std::unique_ptr<StandbyGate> gate_;
  std::string queueProbe_;
  std::vector<std::unique_ptr<UringQueue>> rings_;
  std::string uringFallback_;
  std::atomic<int> devWorkersRunning_{0};
  std::atomic<int> running_{0};
  bool started_ = false;
  size_t clonedWorkers_ = 0;
  std::array<std::atomic<uint64_t>, kOpcodeTableSize> counts_{};

  std::mutex unknownMu_;
  std::vector<uint32_t> unknownSeen_;  // opcodes already logged
};

}  // namespace irpfs::fuse
