// StandbyGate: keeps the /dev/fuse workers other than the first (the standbys) out of
// read(2) while the first one (the lead) keeps up alone.
//
// Why: the kernel wakes one reader asleep in read(2) for every request it queues, even
// when a polling worker takes the request first (spin_poller.h); the woken reader finds
// the queue empty and goes back to sleep inside the kernel. On two CPUs those wake-ups
// land on the caller's CPU half the time. With one reader instead of eight (the default
// then), a serial caller went faster: a 4000-file tar extract 1.11x, the uncached stat mean 1.15x
// (bench/RESULTS.md, session 10). A standby parked on a futex is not woken by the kernel.
//
// Standbys are still needed: for queue depth (several requests in flight on several
// CPUs), and because a request can hold its worker for long (a host call on a slow
// disk, a request that waits for another one). So:
// - The gate opens, and every standby goes back to reading, when the lead finds
//   another caller's request already waiting as it finishes one (callers queue behind
//   each other: a parallel build, a threaded server); when the kernel holds
//   kDeepQueue requests or more at two looks of the watchdog in a row (one caller with
//   many in flight: asynchronous direct I/O, readahead; fusectl's `waiting`); or when
//   the lead has been on one request for kStallLimit.
// - It closes after a kCalmPeriod in which requests came from one caller only and fewer
//   than one in kOverlapShare overlapped another (an asynchronous RELEASE next to the
//   caller's next request is no reason to keep every reader). A standby parks when it finishes a
//   request with the gate closed; one still asleep in read(2) gets a request soon, because the lead
//   stops polling while any standby is in read(2) (the kernel wakes the longest sleeper first).
// - The stall check needs no thread of its own: one parked standby, the watchdog,
//   looks every kStallLimit while the mount is busy and sleeps without a timeout once
//   a whole period went by without a request; the lead wakes it with the next one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace irpfs::fuse {

class StandbyGate {
 public:
  // How long the lead may hold one request before the standbys are let in (the stall
  // is seen between one and two of these). Each is a wake-up of the watchdog while the
  // mount is busy: at 1 ms they cost a serial caller a quarter of its stat rate here.
  static constexpr std::chrono::milliseconds kStallLimit{10};
  static constexpr std::chrono::milliseconds kCalmPeriod{20};
  static constexpr uint64_t kOverlapShare = 4;

  // What opened the gate (for counters and tests).
  enum class Reason : uint8_t { kCallers, kDeepQueue, kStall, kShutdown };
  static constexpr unsigned kDeepQueue = 3;

  // `queueProbe`: the connection's count of requests in flight,
  // /sys/fs/fuse/connections/N/waiting; empty when there is none (then a single caller
  // with many requests in flight is served by the lead alone).
  explicit StandbyGate(std::string queueProbe);
  StandbyGate(const StandbyGate&) = delete;
  StandbyGate& operator=(const StandbyGate&) = delete;

  // --- a standby ---
  // Returns at once while the gate is open; parks the caller while it is closed. After
  // Shutdown the gate stays open (the standbys read on and meet the session's end).
  void AwaitOpen();
  bool IsOpen() const { return open_.load(std::memory_order_acquire); }
  // Bracket a standby's blocking read(2) (the lead polls only when none is inside).
  void EnterRead() { standbysReading_.fetch_add(1, std::memory_order_seq_cst); }
  void LeaveRead() { standbysReading_.fetch_sub(1, std::memory_order_relaxed); }
  void NoteStandbyRequest() { standbyRequests_.fetch_add(1, std::memory_order_relaxed); }

  // --- the lead ---
  // Whether the lead may poll: not while a standby sleeps in read(2), which would then
  // be woken for every request without ever getting one.
  bool LeadMayPoll() const {
    return IsOpen() || standbysReading_.load(std::memory_order_relaxed) == 0;
  }
  // The lead took a request from `callerPid` (fuse_in_header.pid). `waiting`: it was
  // already queued when the lead looked (the first read of its poll found it).
  void LeadBegins(bool waiting, uint32_t callerPid);
  void LeadEnds();

  // --- any worker ---
  // A request from `callerPid` begins; `handling`: how many are being handled now, this
  // one included.
  void NoteHandling(int handling, uint32_t callerPid);
  // After a request: closes an open gate after a calm period.
  void AfterRequest();

  // Opens the gate for good and wakes every standby (the session ended, or the lead
  // stopped reading).
  void Shutdown();

  // Introspection (tests, `irpfs stats`).
  unsigned ParkedCount() const { return parked_.load(std::memory_order_relaxed); }
  uint64_t Openings(Reason reason) const;
  uint64_t Closings() const { return closings_.load(std::memory_order_relaxed); }
  uint64_t StandbyRequests() const { return standbyRequests_.load(std::memory_order_relaxed); }

 private:
  void Open(Reason reason);
  // The watchdog's wait: returns when the gate opened or the lead's request stalled.
  void Watch();
  static int64_t NowNs();  // steady clock
  // Requests in flight on the connection (fusectl), -1 without a probe.
  long QueueDepth() const;

  std::atomic<bool> open_{false};
  std::atomic<bool> shutdown_{false};
  // Bumped by Open; parked standbys wait on it.
  std::atomic<uint32_t> openEpoch_{0};
  std::atomic<unsigned> parked_{0};
  std::atomic<int> standbysReading_{0};
  // The calm check, counted while the gate is open. periodStart_: ns, steady clock.
  std::atomic<int64_t> periodStart_{0};
  std::atomic<uint64_t> periodRequests_{0};
  std::atomic<uint64_t> periodOverlaps_{0};
  std::atomic<uint32_t> periodCaller_{0};   // the period's first caller
  std::atomic<bool> periodCallers_{false};  // ... and whether another one came

  // The lead's side, written by the lead only.
  uint32_t lastCaller_ = 0;  // pid of the lead's last request
  std::atomic<bool> leadBusy_{false};
  std::atomic<uint64_t> leadRequests_{0};

  // The watchdog: claimed by one parked standby; waits on watchWord_.
  std::atomic<bool> watchdogTaken_{false};
  std::atomic<bool> watchdogIdle_{false};  // in a wait without timeout
  std::atomic<uint32_t> watchWord_{0};

  const std::string queueProbe_;
  std::atomic<uint64_t> openings_[4] = {};
  std::atomic<uint64_t> closings_{0};
  std::atomic<uint64_t> standbyRequests_{0};
};

}  // namespace irpfs::fuse
