#include "transport/fuse/spin_poller.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace irpfs::fuse {

SpinPoller::SpinPoller(std::chrono::microseconds window, bool onlyWithASpareCpu) : window_(window) {
  if (enabled() && onlyWithASpareCpu) load_ = std::make_unique<CpuLoadProbe>();
}

ssize_t SpinPoller::Read(int fd, int blockingFlags, Turn* turn, RecvBuffer* buffer,
                         bool* foundWaiting) {
  if (foundWaiting != nullptr) *foundWaiting = false;
  if (!enabled()) return -EAGAIN;
  if (uint32_t skip = skip_.load(std::memory_order_relaxed); skip != 0) {
    skip_.store(skip - 1, std::memory_order_relaxed);
    GiveUp(fd, blockingFlags, turn);
    return -EAGAIN;
  }
  if (!turn->held) {
    // Busy CPUs first: then the switch to O_NONBLOCK and back would be all the poll did.
    if (handling_.load(std::memory_order_relaxed) != 0 ||
        turnTaken_.exchange(true, std::memory_order_acquire)) {
      return -EAGAIN;
    }
    if (!CpuToSpare(/*due=*/true)) {
      turnTaken_.store(false, std::memory_order_release);
      return -EAGAIN;
    }
    turn->held = true;
    if (fcntl(fd, F_SETFL, blockingFlags | O_NONBLOCK) != 0) {
      GiveUp(fd, blockingFlags, turn);
      return -EAGAIN;
    }
  } else if (!CpuToSpare(/*due=*/false)) {
    // A steady stream keeps the turn; the load is looked at again now and then.
    GiveUp(fd, blockingFlags, turn);
    return -EAGAIN;
  }
  const auto until = std::chrono::steady_clock::now() + window_;
  // Another worker handling a request means the CPUs have work and requests are coming
  // in anyway: a blocking read takes a queued one just as fast, and one that finds the
  // queue empty sleeps instead of taking CPU time from the others.
  if (handling_.load(std::memory_order_relaxed) != 0) {
    GiveUp(fd, blockingFlags, turn);
    return -EAGAIN;
  }
  bool firstLook = true;
  do {
    ssize_t n = read(fd, buffer->data, buffer->size);
    if (n > 0) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      missStreak_.store(0, std::memory_order_relaxed);
      if (foundWaiting != nullptr) *foundWaiting = firstLook;
      return n;
    }
    firstLook = false;
    if (n == 0) return 0;
    if (errno == ENODEV || errno == ECONNABORTED) return 0;  // unmounted or aborted
    // ENOENT: the request was interrupted and withdrawn while we read it.
    if (errno != EAGAIN && errno != EINTR && errno != ENOENT) return -errno;
    // A worker the kernel woke may be waiting for this CPU: let it run first.
    sched_yield();
  } while (handling_.load(std::memory_order_relaxed) == 0 &&
           std::chrono::steady_clock::now() < until);
  if (handling_.load(std::memory_order_relaxed) == 0) {
    // The whole window went by: requests come further apart than it. Skip the next
    // polls, twice as many after each such miss.
    const uint32_t streak =
        std::min(missStreak_.load(std::memory_order_relaxed) + 1, kMostSkipsLog2);
    missStreak_.store(streak, std::memory_order_relaxed);
    skip_.store(1u << streak, std::memory_order_relaxed);
  }
  GiveUp(fd, blockingFlags, turn);
  return -EAGAIN;
}

bool SpinPoller::CpuToSpare(bool due) {
  if (load_ == nullptr) return true;
  const auto now = std::chrono::steady_clock::now();
  if (!due && now - lastLoadCheck_ < kLoadRecheck) return true;
  lastLoadCheck_ = now;
  if (load_->EveryRunnableTaskHasACpu()) return true;
  busySkips_.fetch_add(1, std::memory_order_relaxed);
  // The load of a build changes over milliseconds: skip a few polls before asking again.
  skip_.store(kBusySkips, std::memory_order_relaxed);
  return false;
}

void SpinPoller::GiveUp(int fd, int blockingFlags, Turn* turn) {
  if (!turn->held) return;
  // Back to blocking reads. F_SETFL on our own descriptor does not fail; if it did,
  // read(2) would keep answering EAGAIN and the worker would retry: CPU, not requests.
  fcntl(fd, F_SETFL, blockingFlags);
  turn->held = false;
  turnTaken_.store(false, std::memory_order_release);
}

std::chrono::microseconds PollWindowFor(std::chrono::microseconds requested) {
  return UsableCpuCount() >= 2 ? requested : std::chrono::microseconds{0};
}

}  // namespace irpfs::fuse
