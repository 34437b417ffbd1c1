#include "drivers/filters/trace/trace_ring.h"

#include <bit>

namespace irpfs::trace {

TraceRing::TraceRing(size_t capacity)
    : slots_(new Slot[std::bit_ceil(std::max<size_t>(capacity, 2))]),
      mask_(std::bit_ceil(std::max<size_t>(capacity, 2)) - 1) {
  // Slot i is free for the writer at position i.
  for (size_t i = 0; i <= mask_; ++i) slots_[i].sequence.store(i, std::memory_order_relaxed);
}

bool TraceRing::TryPush(const TraceRecord& record) noexcept {
  uint64_t position = writePosition_.load(std::memory_order_relaxed);
  Slot* slot;
  for (;;) {
    slot = &slots_[position & mask_];
    uint64_t sequence = slot->sequence.load(std::memory_order_acquire);
    auto lag = static_cast<int64_t>(sequence - position);
    if (lag == 0) {
      if (writePosition_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) {
        break;
      }
    } else if (lag < 0) {
      // The slot still holds the record from one lap ago: the ring is full.
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    } else {
      position = writePosition_.load(std::memory_order_relaxed);
    }
  }
  slot->record = record;
  slot->sequence.store(position + 1, std::memory_order_release);
  return true;
}

bool TraceRing::TryPop(TraceRecord* record) noexcept {
  uint64_t position = readPosition_.load(std::memory_order_relaxed);
  Slot* slot;
  for (;;) {
    slot = &slots_[position & mask_];
    uint64_t sequence = slot->sequence.load(std::memory_order_acquire);
    auto lag = static_cast<int64_t>(sequence - (position + 1));
    if (lag == 0) {
      if (readPosition_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) {
        break;
      }
    } else if (lag < 0) {
      return false;  // empty (or the writer of this slot has not finished yet)
    } else {
      position = readPosition_.load(std::memory_order_relaxed);
    }
  }
  *record = slot->record;
  // Free for the writer one lap later.
  slot->sequence.store(position + mask_ + 1, std::memory_order_release);
  return true;
}

size_t TraceRing::Drain(std::span<TraceRecord> out) noexcept {
  size_t count = 0;
  while (count < out.size() && TryPop(&out[count])) ++count;
  return count;
}

std::vector<TraceRecord> TraceRing::DrainAll() {
  std::vector<TraceRecord> records;
  TraceRecord record;
  while (TryPop(&record)) records.push_back(record);
  return records;
}

}  // namespace irpfs::trace
