// OVERLAPPED: the state of one asynchronous ReadFile / WriteFile / DeviceIoControl /
// LockFileEx on a handle opened with FILE_FLAG_OVERLAPPED.
//
// The caller owns it and must keep it (and the data buffer) alive until the I/O is
// complete: GetOverlappedResult returned, HasOverlappedIoCompleted said so, or the
// completion routine ran. It may then be reused for the next request. The IRP travels
// inside it, so an overlapped request allocates nothing on the heap (a buffered-I/O
// device's system buffer is allocated once and reused).
//
// Completion happens on the thread that completes the IRP (a driver's worker, or a
// canceller). In that order: the data is copied back, the completion routine (ReadFileEx)
// runs, the result becomes visible to HasOverlappedIoCompleted / GetOverlappedResult, and
// last the event is set. Unlike Win32 the routine does not wait for an alertable wait.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

#include "core/status.h"
#include "transport/inproc/event.h"
#include "transport/inproc/io_operation.h"

namespace irpfs::inproc {

namespace detail {
class OverlappedAccess;
}  // namespace detail

class Overlapped {
 public:
  Overlapped() = default;
  Overlapped(const Overlapped&) = delete;
  Overlapped& operator=(const Overlapped&) = delete;

  // In: the file offset of the transfer (Offset / OffsetHigh).
  uint64_t offset = 0;
  // In, optional: reset when the request is issued, set when it completes (hEvent).
  Event* event = nullptr;

  // Out: the final status (Internal; STATUS_PENDING while in flight) and the byte count
  // or other information (InternalHigh).
  NtStatus status() const;
  uint64_t information() const;

 private:
  friend class detail::OverlappedAccess;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  NtStatus status_ = NtStatus::Success;
  uint64_t information_ = 0;
  bool inFlight_ = false;
  std::optional<Event> eventInFlight_;  // our copy, so the caller may drop theirs
  detail::IoOperation op_;
};

bool HasOverlappedIoCompleted(const Overlapped& overlapped);

}  // namespace irpfs::inproc
