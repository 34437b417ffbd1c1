// The space and inode budget of one memfs volume.
//
// A change is charged before it is made: a write, an extend or a create that does not fit
// fails without touching the file system. Both counters are atomics so that writers to
// different files never share a lock just to account for space.
#pragma once

#include <atomic>
#include <cstdint>

namespace irpfs::memfs {

class Capacity {
 public:
  Capacity(uint64_t totalBytes, uint64_t totalInodes)
      : totalBytes_(totalBytes), totalInodes_(totalInodes) {}
  Capacity(const Capacity&) = delete;
  Capacity& operator=(const Capacity&) = delete;

  // Takes `bytes` from the budget, or nothing when they do not fit.
  bool TryChargeBytes(uint64_t bytes);
  void ReleaseBytes(uint64_t bytes) { usedBytes_.fetch_sub(bytes, std::memory_order_relaxed); }

  bool TryChargeInode();
  void ReleaseInode() { usedInodes_.fetch_sub(1, std::memory_order_relaxed); }

  uint64_t totalBytes() const { return totalBytes_; }
  uint64_t usedBytes() const { return usedBytes_.load(std::memory_order_relaxed); }
  uint64_t totalInodes() const { return totalInodes_; }
  uint64_t usedInodes() const { return usedInodes_.load(std::memory_order_relaxed); }

 private:
  static bool TryCharge(std::atomic<uint64_t>& used, uint64_t total, uint64_t amount);

  const uint64_t totalBytes_;
  const uint64_t totalInodes_;
  std::atomic<uint64_t> usedBytes_{0};
  std::atomic<uint64_t> usedInodes_{0};
};

}  // namespace irpfs::memfs
