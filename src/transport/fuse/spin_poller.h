// SpinPoller: a /dev/fuse worker keeps asking for the next request for a short while
// after answering one, instead of going to sleep in read(2) at once.
//
// Why: over /dev/fuse one request costs two wake-ups of idle CPUs, the worker's and then
// the caller's. On a virtual machine each one is an inter-processor interrupt and an exit
// from the halted vCPU: several microseconds, more than memfs or the mirror spend on a
// 4 KiB read. A worker that is still awake when the next request is queued takes it
// without being woken (about 1.3x the requests per second at queue depth 1 here;
// bench/RESULTS.md).
//
// FUSE-over-io_uring queues a request on the ring of the caller's CPU, whose thread runs
// there; but the reply wakes the caller on whichever CPU is idle (the one it ran on is
// busy with the ring thread at that moment), so on two CPUs the caller hops between
// them and every reply wakes a halted vCPU. A ring thread that keeps collecting
// completions for the window after serving (UringQueue::PollBriefly, same window, same
// yielding) keeps its CPU awake: queue depth 1 went from 49-57k to 97-114k IOPS and the
// uncached stat p50 from 19-26 to 12-16 us in alternating runs of memfs.
//
// Cost, and how it is bounded:
// - At most one worker per channel polls at a time, and only while no other worker is
//   handling a request (then the CPUs have work, and polling would take from it); the
//   turn holder gives the turn up as soon as another worker is handling one, even with
//   requests still coming (a blocking read takes a queued request as fast; at queue depth
//   16 on two CPUs keeping the turn cost a tenth of the IOPS). The others sleep in
//   read(2) as before. The kernel still wakes one of them for each request, which
//   then finds the queue empty and sleeps again: that costs CPU time, but not on the caller's path.
// - Polling starts only right after a request and lasts at most `window`; a burst that
//   ends costs one window of CPU time. A window that passes without a request means
//   requests come further apart than it: the next 2, 4, ... 64 polls are skipped
//   (reset by a poll that finds one). A build's compilers keep both CPUs busy and send a
//   request every few hundred microseconds; polling after each took their time (make
//   -j2 on memfs 2.6% slower than without polling). Between two reads the poller yields the CPU, so
//   a worker the kernel woke on the same CPU is not kept waiting (without the yield, queue depth 16
//   lost up to a fifth of its IOPS on two CPUs).
// - Nor where another task would wait for the CPU: a worker about to start polling first
//   asks the kernel how many tasks are runnable (CpuLoadProbe, one pread of
//   /proc/loadavg) and polls only if that is no more than the usable CPUs, itself
//   included (a worker that keeps the turn through a steady stream asks again every
//   millisecond; after a no, the next few polls are skipped without asking). At queue
//   depth 1 the caller it just answered and the worker make two, and polling goes on.
//   Under make -j2 it spares less than hoped: polling there cost about 8 000 EAGAIN
//   reads and as many sched_yield calls per build (the mirror's daemon: 69-72 ms of CPU
//   per build, 52-54 ms with spin=0 and for passthrough_ll), and with the check still
//   about 7 500 of each, because the compilers' cc1 and as run as a pipe and the count
//   often shows a CPU to spare.
// - With a single usable CPU polling would only take time from the caller, so the
//   channel does not poll there (PollWindowFor), on /dev/fuse or on the rings.
// - Polling needs a descriptor no other worker reads (a FUSE_DEV_IOC_CLONE fd), because
//   it switches O_NONBLOCK on the open file while it polls.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "transport/fuse/buffer_pool.h"
#include "transport/fuse/cpu_load_probe.h"

namespace irpfs::fuse {

// The default window: long enough to cover the caller's turn-around between two
// synchronous requests (a few microseconds), short enough that an idle mount costs
// nothing measurable.
inline constexpr std::chrono::microseconds kDefaultSpinWindow{50};

class SpinPoller {
 public:
  // window 0 turns polling off. onlyWithASpareCpu: poll only while no other task would
  // wait for the CPU (CpuLoadProbe); false: whatever the load (tests that need polls).
  explicit SpinPoller(std::chrono::microseconds window, bool onlyWithASpareCpu = true);

  bool enabled() const { return window_.count() > 0; }
  std::chrono::microseconds window() const { return window_; }

  // One worker's side: whether it holds the channel's poll turn, which it keeps while it
  // keeps finding requests (its fd stays O_NONBLOCK meanwhile, so a steady stream costs
  // no fcntl per request).
  struct Turn {
    bool held = false;
  };

  // Polls fd (read by this worker only; `blockingFlags` are its file status flags) for
  // the next message. Gives the turn up, and returns -EAGAIN, when nothing came within
  // the window, when another worker is handling a request (the CPUs are busy, and the
  // kernel's wake-ups are under way anyway) or when another worker holds the turn.
  // Returns the message's length, 0 when the session ended, or another -errno.
  // *foundWaiting (if given) tells whether the message was already queued at the first
  // look, i.e. came in while this worker was busy with the one before (standby_gate.h).
  ssize_t Read(int fd, int blockingFlags, Turn* turn, RecvBuffer* buffer,
               bool* foundWaiting = nullptr);
  // Call after reading the session's end or an error with the turn held.
  void GiveUp(int fd, int blockingFlags, Turn* turn);

  // Brackets a worker's handling of one request (the busy test of Read).
  // Returns how many requests are being handled now, this one included.
  int BeginHandling() { return handling_.fetch_add(1, std::memory_order_relaxed) + 1; }
  void EndHandling() { handling_.fetch_sub(1, std::memory_order_relaxed); }

  // Requests taken while polling, i.e. without a wake-up (for tests and `irpfs stats`).
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  // Polls not started because another task would have waited for the CPU.
  uint64_t busySkips() const { return busySkips_.load(std::memory_order_relaxed); }

 private:
  const std::chrono::microseconds window_;
  std::atomic<bool> turnTaken_{false};
  std::atomic<int> handling_{0};
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> busySkips_{0};
  // Whether polling now would keep no other task from a CPU (see above). `due`: ask the
  // probe now; else only if kLoadRecheck passed since the last answer. A no skips the
  // next kBusySkips polls.
  bool CpuToSpare(bool due);
  static constexpr std::chrono::milliseconds kLoadRecheck{1};
  static constexpr uint32_t kBusySkips = 4;
  std::unique_ptr<CpuLoadProbe> load_;  // nullptr: poll whatever the load
  // Written and read by the turn holder only.
  std::chrono::steady_clock::time_point lastLoadCheck_{};
  // Backing off after polls that found nothing (see above).
  static constexpr uint32_t kMostSkipsLog2 = 6;
  std::atomic<uint32_t> missStreak_{0};
  std::atomic<uint32_t> skip_{0};
};

// The window to use when `requested` is asked for: none with fewer than two usable CPUs.
std::chrono::microseconds PollWindowFor(std::chrono::microseconds requested);

}  // namespace irpfs::fuse
