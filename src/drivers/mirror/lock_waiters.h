// Blocking host lock calls (F_OFD_SETLKW, flock without LOCK_NB) for pended LOCK_CONTROL
// IRPs, each on a waiter thread of its own, cancellable at any time.
//
// Why a thread per wait, and a signal: the host kernel is the only one that knows when a
// host lock frees up (a host process may hold it), so someone has to sleep in the blocking
// call; a worker thread of the transport must not (a few waits would stall the mount), and
// polling with F_OFD_SETLK would be late and unfair. A blocked F_OFD_SETLKW or flock(2)
// returns EINTR when a signal with a handler installed without SA_RESTART arrives, which is
// how a cancel (FUSE INTERRUPT -> IoCancelIrp, or CLEANUP of the open) stops it. Waits are
// as many as blocked callers (each FUSE SETLKW is a process blocked in the kernel), so the
// threads are bounded by what the clients do, and sleep.
//
// The cancel protocol. Start sets a cancel routine on the IRP and starts the thread. The
// waiter thread alone completes the IRP: SUCCESS if the call got the lock (even when a
// cancel raced with the grant: the lock is held, and saying so is the truth), CANCELLED if
// the call was interrupted after a cancel, the host's error otherwise. A canceler marks
// the wait canceled and sends the wake signal until the thread has left the call: one
// signal may land just before the thread enters it, the next one then interrupts it (the
// canceler waits 1 ms between signals, normally it sends one). Before completing, the
// thread takes the cancel routine back; if IoCancelIrp took it first, the thread waits
// until that cancel routine has seen its wait, so a cancel routine never meets an IRP that
// has completed (and maybe been reused).
//
// Lock order: mutex_ is a leaf; IRPs complete with no lock held.
#pragma once

#include <pthread.h>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/irp.h"
#include "core/status.h"

namespace irpfs::mirror {

class LockWaiters {
 public:
  // The blocking call: 0 when granted, -errno on failure (-EINTR: interrupted). It runs on
  // the waiter thread, again after an interruption that was no cancel.
  using BlockingCall = std::function<int()>;

  LockWaiters();
  // Cancels every wait and waits for the threads to end.
  ~LockWaiters();
  LockWaiters(const LockWaiters&) = delete;
  LockWaiters& operator=(const LockWaiters&) = delete;

  // Marks `irp` pending and runs `call` on a new waiter thread, which completes the IRP.
  // `open` names the open the wait belongs to (for CancelOpen). Always returns
  // STATUS_PENDING: from here on the IRP is the waiter's (an IRP canceled already
  // completes with STATUS_CANCELLED at once, on the thread).
  NtStatus Start(Irp* irp, const void* open, BlockingCall call);
  // Cancels the waits of one open (its CLEANUP) and returns once none of them is still in
  // its blocking call (a grant that won the race has happened by then).
  void CancelOpen(const void* open);
  // Waits not completed yet, for tests.
  size_t Count();

  // The signal that interrupts a waiter (a real-time one, with a no-op handler).
  static int WakeSignal();

 private:
  struct Wait {
    Irp* irp = nullptr;
    const void* open = nullptr;
    pthread_t thread{};
    bool cancelled = false;   // a cancel asked the wait to stop
    bool cancelSeen = false;  // the IRP's cancel routine (if it ran) is done with the wait
    bool inCall = false;      // the thread is in (or about to enter) the blocking call
  };

  static void CancelRoutine(DeviceObject* device, Irp* irp);
  void Run(std::shared_ptr<Wait> wait, BlockingCall call);
  // Takes the cancel routine back (waiting for one that runs), unlists the wait, completes
  // its IRP with `status`, and ends the thread's claim on this object.
  void Finish(const std::shared_ptr<Wait>& wait, NtStatus status);
  // Marks the wait canceled and interrupts its call; returns once it left the call.
  void CancelLocked(std::unique_lock<std::mutex>& lock, Wait* wait);

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::shared_ptr<Wait>> waits_;
  size_t threads_ = 0;  // waiter threads still running (they touch this object)
};

}  // namespace irpfs::mirror
