#include "tools/trace_tap.h"

#include <array>
#include <chrono>

#include "control/json.h"
#include "drivers/filters/faults/faults_path.h"
#include "drivers/filters/trace/trace_filter.h"
#include "drivers/filters/trace/trace_format.h"

namespace irpfs::tools {

std::string TraceEventFor(const trace::TraceRecord& record, const TraceSubscription& subscription) {
  if (!subscription.match.empty()) {
    // Patterns are volume-relative, as the faults filter's path= (leading '/' optional).
    std::string_view name = record.fileName.view();
    while (!name.empty() && name.front() == '/') name.remove_prefix(1);
    std::string path(name);
    if (!faults::FaultsPathMatches(subscription.match.c_str(), path)) return {};
  }
  if (subscription.json) return trace::FormatTraceJson(record);
  std::string line = trace::FormatTraceText(record);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  return control::Json{{"line", line}}.dump();
}

TraceTap::TraceTap(VolumeStack* stack, AttachTrace attach, DetachTrace detach)
    : stack_(stack), attach_(std::move(attach)), detach_(std::move(detach)) {
  thread_ = std::thread([this] { Run(); });
}

TraceTap::~TraceTap() {
  Stop();
}

void TraceTap::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool TraceTap::HasTraceFilter() {
  for (const StackEntry& entry : stack_->Describe()) {
    if (entry.filter && entry.driverName == "trace") return true;
  }
  return false;
}

uint64_t TraceTap::Subscribe(std::shared_ptr<control::StreamSink> sink,
                             TraceSubscription subscription, std::string* error) {
  bool first;
  {
    std::lock_guard lock(mutex_);
    first = subscribers_.empty();
  }
  if (first && !HasTraceFilter()) {
    NtStatus status = attach_(error);
    if (!NtSuccess(status)) return 0;
    std::lock_guard lock(mutex_);
    attachedByUs_ = true;
  }
  uint64_t id;
  {
    std::lock_guard lock(mutex_);
    id = nextId_++;
    subscribers_.push_back(Subscriber{id, std::move(sink), std::move(subscription)});
  }
  wake_.notify_all();
  return id;
}

void TraceTap::Unsubscribe(uint64_t id) {
  bool detach = false;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [id](const Subscriber& s) { return s.id == id; });
    if (subscribers_.empty() && attachedByUs_) {
      attachedByUs_ = false;
      detach = true;
    }
  }
  if (detach) detach_();
}

void TraceTap::Run() {
  std::array<trace::TraceRecord, 64> batch;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (subscribers_.empty()) {
      wake_.wait(lock);
      continue;
    }
    std::vector<Subscriber> subscribers = subscribers_;
    lock.unlock();
    std::shared_ptr<trace::TraceLog> log = stack_->FindOnStack(trace::TraceFindLog);
    size_t got = log ? log->Drain(batch) : 0;
    for (size_t i = 0; i < got; ++i) {
      for (const Subscriber& subscriber : subscribers) {
        std::string event = TraceEventFor(batch[i], subscriber.subscription);
        if (!event.empty()) subscriber.sink->SendText(event);
      }
    }
    lock.lock();
    // A full batch means more is waiting: go again at once.
    if (got < batch.size()) wake_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

}  // namespace irpfs::tools
