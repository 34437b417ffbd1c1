#include "transport/inproc/event.h"

#include <condition_variable>
#include <mutex>

namespace irpfs::inproc {

struct Event::State {
  bool manualReset;
  bool signaled;
  mutable std::mutex mutex;
  std::condition_variable cv;
};

Event::Event(bool manualReset, bool initiallySignaled)
    : state_(std::make_shared<State>(manualReset, initiallySignaled)) {}

void Event::Set() {
  // Keep the state alive across the notify even if the last other copy goes meanwhile.
  std::shared_ptr<State> s = state_;
  std::lock_guard lock(s->mutex);
  s->signaled = true;
  if (s->manualReset) {
    s->cv.notify_all();
  } else {
    s->cv.notify_one();
  }
}

void Event::Reset() {
  std::lock_guard lock(state_->mutex);
  state_->signaled = false;
}

void Event::Wait() {
  std::unique_lock lock(state_->mutex);
  state_->cv.wait(lock, [&] { return state_->signaled; });
  if (!state_->manualReset) state_->signaled = false;
}

bool Event::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  if (!state_->cv.wait_for(lock, timeout, [&] { return state_->signaled; })) return false;
  if (!state_->manualReset) state_->signaled = false;
  return true;
}

bool Event::IsSignaled() const {
  std::lock_guard lock(state_->mutex);
  return state_->signaled;
}

}  // namespace irpfs::inproc
