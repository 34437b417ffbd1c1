#include "control/stream_sink.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace irpfs::control {

StreamSink::StreamSink(int wakeFd, size_t maxQueuedBytes)
    : wakeFd_(wakeFd), maxQueuedBytes_(maxQueuedBytes) {}

bool StreamSink::Send(const Json& event) {
  // Invalid UTF-8 in a string becomes U+FFFD rather than an exception on this thread.
  return Enqueue(event.dump(-1, ' ', false, Json::error_handler_t::replace));
}

bool StreamSink::SendText(std::string_view jsonText) {
  return Enqueue(jsonText);
}

bool StreamSink::Enqueue(std::string_view text) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  if (ending_) return true;
  // After a drop, later events are dropped too until the server takes the queue, so the
  // gap sits exactly where the dropped notice says.
  if (droppedSinceTaken_ > 0 || queued_.size() + text.size() + 1 > maxQueuedBytes_) {
    if (droppedSinceTaken_++ == 0 && queued_.empty()) WakeLocked();
    ++droppedTotal_;
    return true;
  }
  bool wasEmpty = queued_.empty();
  size_t begin = queued_.size();
  queued_.append(text);
  std::replace(queued_.begin() + static_cast<std::ptrdiff_t>(begin), queued_.end(), '\n', ' ');
  queued_.push_back('\n');
  if (wasEmpty) WakeLocked();
  return true;
}

void StreamSink::End(std::string_view error) {
  std::lock_guard lock(mutex_);
  if (closed_ || ending_) return;
  ending_ = true;
  endError_ = error;
  WakeLocked();
}

void StreamSink::WakeLocked() {
  if (wakeFd_ < 0) return;
  uint64_t one = 1;
  // A full eventfd counter still wakes the poller, so a failed write loses nothing.
  [[maybe_unused]] ssize_t n = write(wakeFd_, &one, sizeof(one));
}

bool StreamSink::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

uint64_t StreamSink::dropped() const {
  std::lock_guard lock(mutex_);
  return droppedTotal_;
}

void StreamSink::Close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  wakeFd_ = -1;
  queued_.clear();
}

void StreamSink::TakeQueued(std::string* out, bool* ended) {
  std::lock_guard lock(mutex_);
  out->append(queued_);
  queued_.clear();
  if (droppedSinceTaken_ > 0) {
    out->append(Json{{"stream", "dropped"}, {"count", droppedSinceTaken_}}.dump());
    out->push_back('\n');
    droppedSinceTaken_ = 0;
  }
  *ended = ending_;
  if (ending_) {
    Json end{{"stream", "end"}};
    if (!endError_.empty()) end["error"] = endError_;
    out->append(end.dump(-1, ' ', false, Json::error_handler_t::replace));
    out->push_back('\n');
    closed_ = true;
    wakeFd_ = -1;
  }
}

}  // namespace irpfs::control
