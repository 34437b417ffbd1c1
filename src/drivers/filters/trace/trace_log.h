// The trace of one filter device: every record goes to its in-memory ring (which readers
// drain: tests, the live `irpfs trace` tap) and, when the options name a file, to a file
// sink as well. Shared (shared_ptr) so a reader can hold it past the device's detach.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/status.h"
#include "drivers/filters/trace/trace_file_sink.h"
#include "drivers/filters/trace/trace_options.h"
#include "drivers/filters/trace/trace_ring.h"

namespace irpfs::trace {

class TraceLog {
 public:
  // Builds the log the options describe (opening the file, if any).
  static NtStatus Create(const TraceOptions& options, std::shared_ptr<TraceLog>* log);

  const TraceOptions& options() const { return options_; }

  // Numbers the record and hands it to every sink. Thread-safe, allocation-free.
  void Record(TraceRecord& record) noexcept;

  // Reading the ring, oldest first.
  size_t Drain(std::span<TraceRecord> out) noexcept { return ring_.Drain(out); }
  std::vector<TraceRecord> DrainAll() { return ring_.DrainAll(); }
  // Records the ring had no room for.
  uint64_t dropped() const { return ring_.dropped(); }
  // Writes out what the file sink holds (no-op without one).
  void FlushFile();

 private:
  explicit TraceLog(const TraceOptions& options);

  TraceOptions options_;
  TraceRing ring_;
  std::unique_ptr<TraceFileSink> file_;
  std::atomic<uint64_t> nextSequence_{1};
};

}  // namespace irpfs::trace
