// The producer's end of one streaming connection (`trace`): any thread queues events, the
// server's thread writes them to the client.
//
// Send never blocks on the client: events wait in a bounded queue, and when a slow client
// lets it fill up new events are dropped and counted; the client then gets a
// {"stream":"dropped","count":N} line where the gap is. Once the client has gone (or the
// server stops) Send returns false and the producer should stop sending; the server also
// calls the stop function the stream handler returned, on its own thread.
//
// Thread safety: every public member may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "control/json.h"

namespace irpfs::control {

class StreamSink {
 public:
  // `wakeFd` is an eventfd the owner polls: written when the queue gets its first line.
  StreamSink(int wakeFd, size_t maxQueuedBytes);
  StreamSink(const StreamSink&) = delete;
  StreamSink& operator=(const StreamSink&) = delete;

  // Queues one event as a line of compact JSON. False once the stream is closed.
  bool Send(const Json& event);
  // Queues JSON text already serialized (a JSON value; newlines in it, which JSON allows
  // only as whitespace, are sent as spaces). False once the stream is closed.
  bool SendText(std::string_view jsonText);
  // Ends the stream from the producer's side: what is queued is still sent, then
  // {"stream":"end"} (with "error" when `error` is not empty) and the connection closes.
  void End(std::string_view error = {});

  bool closed() const;
  // Events dropped because the queue was full, since the stream began.
  uint64_t dropped() const;

  // For the server. Close makes every later Send fail and forgets the wake fd.
  void Close();
  // Appends the queued lines (each ending in '\n') to *out, with a dropped notice where
  // events were lost. Sets *ended once End was called and everything has been taken.
  void TakeQueued(std::string* out, bool* ended);

 private:
  bool Enqueue(std::string_view text);
  void WakeLocked();

  mutable std::mutex mutex_;
  int wakeFd_;
  size_t maxQueuedBytes_;
  std::string queued_;
  uint64_t droppedSinceTaken_ = 0;
  uint64_t droppedTotal_ = 0;
  bool closed_ = false;
  bool ending_ = false;
  std::string endError_;
};

}  // namespace irpfs::control
