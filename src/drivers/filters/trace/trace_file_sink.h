// Appends trace records to a file, one formatted line each.
//
// The IRP threads only push into a ring of the sink's own (no I/O, no allocation on
// their path); a writer thread drains it every kWritePeriod, formats the lines and
// appends them. Records that do not fit the ring before the writer comes round are
// dropped and counted. Flush() writes out everything pushed before it was called.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "core/status.h"
#include "drivers/filters/trace/trace_options.h"
#include "drivers/filters/trace/trace_ring.h"
#include "drivers/filters/trace/trace_sink.h"

namespace irpfs::trace {

class TraceFileSink final : public TraceSink {
 public:
  static constexpr std::chrono::milliseconds kWritePeriod{50};

  // Opens (creates, appends to) options.filePath and starts the writer thread.
  static NtStatus Open(const TraceOptions& options, std::unique_ptr<TraceFileSink>* sink);
  ~TraceFileSink() override;

  void Write(const TraceRecord& record) noexcept override { ring_.TryPush(record); }
  void Flush();
  uint64_t dropped() const { return ring_.dropped(); }

 private:
  TraceFileSink(std::FILE* file, const TraceOptions& options);
  void WriterLoop();
  void DrainToFile();

  TraceRing ring_;
  TraceFormat format_;
  std::mutex fileMutex_;  // one drainer at a time keeps lines in ring order
  std::FILE* file_;

  std::mutex stopMutex_;
  std::condition_variable stopSignal_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace irpfs::trace
