#include "drivers/mirror/lock_waiters.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "core/io_manager.h"

namespace irpfs::mirror {

namespace {

void IgnoreWake(int) {}

// Installed once, without SA_RESTART: that is what makes the blocked call return EINTR.
void InstallWakeHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = IgnoreWake;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    sigaction(LockWaiters::WakeSignal(), &action, nullptr);
  });
}

NtStatus StatusOfCall(int result) {
  if (result == 0) return NtStatus::Success;
  // OFD locks do no deadlock detection, but a host POSIX lock wait may: keep what it says.
  return ErrnoToStatus(-result);
}

}  // namespace

int LockWaiters::WakeSignal() {
  return SIGRTMIN + 5;
}

LockWaiters::LockWaiters() {
  InstallWakeHandler();
}

LockWaiters::~LockWaiters() {
  std::unique_lock lock(mutex_);
  for (const std::shared_ptr<Wait>& wait : std::vector(waits_)) CancelLocked(lock, wait.get());
  changed_.wait(lock, [&] { return threads_ == 0; });
}

NtStatus LockWaiters::Start(Irp* irp, const void* open, BlockingCall call) {
  auto wait = std::make_shared<Wait>();
  wait->irp = irp;
  wait->open = open;
  {
    std::lock_guard lock(mutex_);
    waits_.push_back(wait);
    ++threads_;
  }
  irp->driverContext[0] = this;
  IoMarkIrpPending(irp);
  IoSetCancelRoutine(irp, &LockWaiters::CancelRoutine);
  // A cancel that came before the routine was set found none: take it back and stop.
  if (irp->cancel.load() && IoSetCancelRoutine(irp, nullptr) != nullptr) {
    std::lock_guard lock(mutex_);
    wait->cancelled = true;
    wait->cancelSeen = true;
  }
  try {
    std::thread([this, wait, call = std::move(call)]() mutable {
      Run(wait, std::move(call));
    }).detach();
  } catch (...) {
    // No thread: fail the lock rather than leave the IRP hanging.
    Finish(wait, NtStatus::InsufficientResources);
  }
  return NtStatus::Pending;
}

void LockWaiters::Finish(const std::shared_ptr<Wait>& wait, NtStatus status) {
  Irp* irp = wait->irp;
  bool cancelRoutineRan = IoSetCancelRoutine(irp, nullptr) == nullptr;
  {
    std::unique_lock lock(mutex_);
    if (cancelRoutineRan) changed_.wait(lock, [&] { return wait->cancelSeen; });
    std::erase(waits_, wait);
  }
  IoCompleteWith(irp, status);
  // Last: from here on this object may be destroyed.
  std::lock_guard lock(mutex_);
  --threads_;
  changed_.notify_all();
}

void LockWaiters::Run(std::shared_ptr<Wait> wait, BlockingCall call) {
  // Workers of the transport may block signals; this thread must be reachable by one.
  sigset_t wake;
  sigemptyset(&wake);
  sigaddset(&wake, WakeSignal());
  pthread_sigmask(SIG_UNBLOCK, &wake, nullptr);

  int result = -EINTR;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      wait->thread = pthread_self();
      if (wait->cancelled) break;
      wait->inCall = true;
    }
    result = call();
    {
      std::lock_guard lock(mutex_);
      wait->inCall = false;
    }
    changed_.notify_all();
    if (result != -EINTR) break;
  }
  // What the call holds (an open's descriptor use, say) goes before the IRP completes: the
  // completion may close the open and free what it points to.
  call = nullptr;
  Finish(wait, result == -EINTR ? NtStatus::Cancelled : StatusOfCall(result));
}

void LockWaiters::CancelLocked(std::unique_lock<std::mutex>& lock, Wait* wait) {
  wait->cancelled = true;
  while (wait->inCall) {
    pthread_kill(wait->thread, WakeSignal());
    changed_.wait_for(lock, std::chrono::milliseconds(1));
  }
}

void LockWaiters::CancelRoutine(DeviceObject*, Irp* irp) {
  auto* self = static_cast<LockWaiters*>(irp->driverContext[0]);
  std::unique_lock lock(self->mutex_);
  // The wait is still listed: its thread does not unlist it before this routine saw it.
  auto it = std::find_if(self->waits_.begin(), self->waits_.end(),
                         [irp](const std::shared_ptr<Wait>& w) { return w->irp == irp; });
  if (it == self->waits_.end()) return;
  std::shared_ptr<Wait> wait = *it;
  self->CancelLocked(lock, wait.get());
  wait->cancelSeen = true;
  self->changed_.notify_all();
}

void LockWaiters::CancelOpen(const void* open) {
  std::unique_lock lock(mutex_);
  for (const std::shared_ptr<Wait>& wait : std::vector(waits_)) {
    if (wait->open == open) CancelLocked(lock, wait.get());
  }
}

size_t LockWaiters::Count() {
  std::lock_guard lock(mutex_);
  return waits_.size();
}

}  // namespace irpfs::mirror
