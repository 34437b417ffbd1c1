// A bounded in-memory ring of trace records: many writers (the IRP threads), any number
// of readers (tests, the live `irpfs trace` tap).
//
// Lock-free, after Dmitry Vyukov's bounded MPMC queue: each slot carries a sequence
// number telling whether it is free for the writer at a given position or full for the
// reader at it. All slots are allocated up front. When the ring is full a new record is
// dropped and counted; the records already in it stay (readers see a gap, not a mix).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "drivers/filters/trace/trace_record.h"
#include "drivers/filters/trace/trace_sink.h"

namespace irpfs::trace {

class TraceRing final : public TraceSink {
 public:
  // Capacity is rounded up to a power of two (at least 2).
  explicit TraceRing(size_t capacity);
  TraceRing(const TraceRing&) = delete;
  TraceRing& operator=(const TraceRing&) = delete;

  size_t capacity() const { return mask_ + 1; }

  // False (and the record counted as dropped) when the ring is full.
  bool TryPush(const TraceRecord& record) noexcept;
  bool TryPop(TraceRecord* record) noexcept;
  void Write(const TraceRecord& record) noexcept override { TryPush(record); }

  // Moves up to out.size() records into `out`, oldest first; returns how many.
  size_t Drain(std::span<TraceRecord> out) noexcept;
  // Everything in the ring now (allocates; not for the IRP path).
  std::vector<TraceRecord> DrainAll();

  // Records lost because the ring was full, since it was made.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Slot {
    std::atomic<uint64_t> sequence;
    TraceRecord record;
  };

  std::unique_ptr<Slot[]> slots_;
  size_t mask_;
  // Writers and readers each on their own cache line: they race on different ends.
  alignas(64) std::atomic<uint64_t> writePosition_{0};
  alignas(64) std::atomic<uint64_t> readPosition_{0};
  alignas(64) std::atomic<uint64_t> dropped_{0};
};

}  // namespace irpfs::trace
