// TraceTap: the live `trace` stream of a mount. One thread drains the trace filter's ring
// (found on the volume's stack, so it follows attach and detach) every few milliseconds
// while someone listens, and hands each record to every subscriber, formatted and
// filtered the way that subscriber asked.
//
// When the stack has no trace filter, the first subscriber makes the tap attach one
// (through the attach callback) and the last one leaving detaches it again; a trace
// filter that was there before is left alone.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "control/stream_sink.h"
#include "core/status.h"
#include "core/volume_stack.h"
#include "drivers/filters/trace/trace_record.h"

namespace irpfs::tools {

struct TraceSubscription {
  bool json = true;
  std::string match;  // fnmatch(3) pattern on the record's path; empty: everything
};

// The event a subscriber gets for `record`, or an empty string when `match` rejects it:
// the trace filter's JSON object, or {"line":"<text line>"}.
std::string TraceEventFor(const trace::TraceRecord& record, const TraceSubscription& subscription);

class TraceTap {
 public:
  using AttachTrace = std::function<NtStatus(std::string* error)>;
  using DetachTrace = std::function<void()>;

  TraceTap(VolumeStack* stack, AttachTrace attach, DetachTrace detach);
  TraceTap(const TraceTap&) = delete;
  TraceTap& operator=(const TraceTap&) = delete;
  ~TraceTap();

  // Adds a subscriber; returns its id, or 0 with *error when no trace filter could be
  // attached.
  uint64_t Subscribe(std::shared_ptr<control::StreamSink> sink, TraceSubscription subscription,
                     std::string* error);
  void Unsubscribe(uint64_t id);
  void Stop();

 private:
  struct Subscriber {
    uint64_t id = 0;
    std::shared_ptr<control::StreamSink> sink;
    TraceSubscription subscription;
  };
  void Run();
  bool HasTraceFilter();

  VolumeStack* stack_;
  AttachTrace attach_;
  DetachTrace detach_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Subscriber> subscribers_;
  uint64_t nextId_ = 1;
  bool attachedByUs_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace irpfs::tools
