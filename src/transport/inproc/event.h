// A Win32-style event for overlapped I/O (CreateEvent / SetEvent / ResetEvent /
// WaitForSingleObject).
//
// Copies share one state, as handles to one event object do: the I/O path keeps its own
// copy while a request is in flight, so a caller may destroy its Event as soon as its wait
// returns without racing the completing thread's SetEvent.
#pragma once

#include <chrono>
#include <memory>

namespace irpfs::inproc {

class Event {
 public:
  // Manual reset stays signaled until Reset; auto reset releases one waiter and clears.
  explicit Event(bool manualReset = true, bool initiallySignaled = false);

  void Set();
  void Reset();
  void Wait();
  // false on timeout.
  bool WaitFor(std::chrono::milliseconds timeout);
  bool IsSignaled() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace irpfs::inproc
