#include "transport/fuse/standby_gate.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <ctime>

namespace irpfs::fuse {
namespace {

// std::atomic::wait has no timeout, and the watchdog needs one.
void FutexWait(std::atomic<uint32_t>* word, uint32_t expected, int64_t timeoutNs) {
  timespec timeout{};
  timeout.tv_sec = static_cast<time_t>(timeoutNs / 1000000000);
  timeout.tv_nsec = static_cast<long>(timeoutNs % 1000000000);
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected,
          timeoutNs >= 0 ? &timeout : nullptr, nullptr, 0);
}

void FutexWake(std::atomic<uint32_t>* word, int count) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr,
          0);
}

constexpr int64_t kForever = -1;

}  // namespace

int64_t StandbyGate::NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void StandbyGate::AwaitOpen() {
  if (IsOpen()) return;
  parked_.fetch_add(1, std::memory_order_relaxed);
  while (!IsOpen()) {
    if (!watchdogTaken_.exchange(true, std::memory_order_acq_rel)) {
      Watch();
      watchdogTaken_.store(false, std::memory_order_release);
      continue;
    }
    const uint32_t epoch = openEpoch_.load(std::memory_order_seq_cst);
    if (open_.load(std::memory_order_seq_cst)) break;
    FutexWait(&openEpoch_, epoch, kForever);
  }
  parked_.fetch_sub(1, std::memory_order_relaxed);
}

void StandbyGate::Watch() {
  const int64_t periodNs = std::chrono::nanoseconds(kStallLimit).count();
  // A stall: the lead busy at two looks a period apart, with no request begun between.
  // Sampling keeps the clock off the lead's path.
  uint64_t seen = leadRequests_.load(std::memory_order_seq_cst);
  bool busyBefore = false;
  unsigned deepLooks = 0;
  while (!open_.load(std::memory_order_seq_cst)) {
    const uint32_t word = watchWord_.load(std::memory_order_seq_cst);
    const bool busy = leadBusy_.load(std::memory_order_seq_cst);
    const uint64_t count = leadRequests_.load(std::memory_order_seq_cst);
    if (busy && busyBefore && count == seen) {
      Open(Reason::kStall);
      return;
    }
    if (!busy && !busyBefore && count == seen) {
      // Nothing for a whole period: wait without a timeout until the lead begins a
      // request. Either the lead sees watchdogIdle_ after marking itself busy, or this
      // sees it busy (both sides store, then load, sequentially consistent).
      watchdogIdle_.store(true, std::memory_order_seq_cst);
      if (!leadBusy_.load(std::memory_order_seq_cst) &&
          leadRequests_.load(std::memory_order_seq_cst) == seen) {
        FutexWait(&watchWord_, word, kForever);
      }
      watchdogIdle_.store(false, std::memory_order_relaxed);
      seen = leadRequests_.load(std::memory_order_seq_cst);
      continue;
    }
    deepLooks = QueueDepth() >= static_cast<long>(kDeepQueue) ? deepLooks + 1 : 0;
    if (deepLooks >= 2) {
      Open(Reason::kDeepQueue);
      return;
    }
    busyBefore = busy;
    seen = count;
    FutexWait(&watchWord_, word, periodNs);
  }
}

void StandbyGate::LeadBegins(bool waiting, uint32_t callerPid) {
  leadRequests_.store(leadRequests_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  leadBusy_.store(true, std::memory_order_seq_cst);
  if (watchdogIdle_.load(std::memory_order_seq_cst) &&
      watchdogIdle_.exchange(false, std::memory_order_acq_rel)) {
    watchWord_.fetch_add(1, std::memory_order_seq_cst);
    FutexWake(&watchWord_, 1);
  }
  const uint32_t previousCaller = lastCaller_;
  lastCaller_ = callerPid;
  // Found at the first look is no proof of a queue by itself: the lead answers before
  // it cleans up, so a serial caller's next request is often there by then. Another
  // caller's request is (pid 0 is the kernel's own: FORGET and the like).
  if (waiting && callerPid != 0 && previousCaller != 0 && callerPid != previousCaller &&
      !open_.load(std::memory_order_relaxed)) {
    Open(Reason::kCallers);
  }
}

void StandbyGate::LeadEnds() {
  leadBusy_.store(false, std::memory_order_release);
}

void StandbyGate::NoteHandling(int handling, uint32_t callerPid) {
  if (!open_.load(std::memory_order_relaxed)) return;
  periodRequests_.fetch_add(1, std::memory_order_relaxed);
  if (handling > 1) periodOverlaps_.fetch_add(1, std::memory_order_relaxed);
  if (callerPid == 0) return;
  uint32_t first = periodCaller_.load(std::memory_order_relaxed);
  if (first == 0 && periodCaller_.compare_exchange_strong(first, callerPid)) return;
  if (first != callerPid) periodCallers_.store(true, std::memory_order_relaxed);
}

void StandbyGate::AfterRequest() {
  if (!open_.load(std::memory_order_relaxed) || shutdown_.load(std::memory_order_relaxed)) return;
  const int64_t now = NowNs();
  int64_t start = periodStart_.load(std::memory_order_relaxed);
  if (now - start < std::chrono::nanoseconds(kCalmPeriod).count()) return;
  // One worker checks each period.
  if (!periodStart_.compare_exchange_strong(start, now, std::memory_order_acq_rel)) return;
  const uint64_t requests = periodRequests_.exchange(0, std::memory_order_relaxed);
  const uint64_t overlaps = periodOverlaps_.exchange(0, std::memory_order_relaxed);
  periodCaller_.store(0, std::memory_order_relaxed);
  const bool callers = periodCallers_.exchange(false, std::memory_order_relaxed);
  // Requests that overlap now and then (an asynchronous RELEASE next to the caller's
  // next request) do not need the standbys; a queue that stays deep, or callers that
  // keep coming at once (make -j), do.
  if (callers || (overlaps * kOverlapShare >= requests && requests != 0)) return;
  if (shutdown_.load(std::memory_order_acquire)) return;
  open_.store(false, std::memory_order_seq_cst);
  closings_.fetch_add(1, std::memory_order_relaxed);
}

void StandbyGate::Open(Reason reason) {
  if (reason == Reason::kShutdown) shutdown_.store(true, std::memory_order_release);
  // The calm check starts afresh (before open_ is set, so no check sees an old start).
  periodRequests_.store(0, std::memory_order_relaxed);
  periodOverlaps_.store(0, std::memory_order_relaxed);
  periodCaller_.store(0, std::memory_order_relaxed);
  periodCallers_.store(false, std::memory_order_relaxed);
  periodStart_.store(NowNs(), std::memory_order_relaxed);
  const bool wasOpen = open_.exchange(true, std::memory_order_seq_cst);
  if (wasOpen && reason != Reason::kShutdown) return;
  openings_[static_cast<int>(reason)].fetch_add(1, std::memory_order_relaxed);
  openEpoch_.fetch_add(1, std::memory_order_seq_cst);
  FutexWake(&openEpoch_, INT_MAX);
  watchWord_.fetch_add(1, std::memory_order_seq_cst);
  FutexWake(&watchWord_, 1);
}

void StandbyGate::Shutdown() {
  Open(Reason::kShutdown);
}

StandbyGate::StandbyGate(std::string queueProbe) : queueProbe_(std::move(queueProbe)) {}

long StandbyGate::QueueDepth() const {
  if (queueProbe_.empty()) return -1;
  // fusectl's files cannot be read at an offset: one open per look (a look every
  // kStallLimit at most, and only while the mount is busy).
  const int fd = open(queueProbe_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[32];
  const ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = '\0';
  return std::strtol(text, nullptr, 10);
}

uint64_t StandbyGate::Openings(Reason reason) const {
  return openings_[static_cast<int>(reason)].load(std::memory_order_relaxed);
}

}  // namespace irpfs::fuse
