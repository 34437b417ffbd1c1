// ListingHistory: which directory opens ask the kernel to keep the listing
// (FOPEN_CACHE_DIR).
//
// Filling the kernel's cache is not free: the lister pays a page-cache lookup per entry,
// about 130 ns, which made the first listing of a 19 000-entry directory 2-3 ms slower
// than the READDIRs alone. Only a later listing of the same unchanged directory repays it.
// So an open asks for the cache only when the directory was opened before and nothing
// changed it through this mount since: the first listing after a change is the server's
// alone, the second fills the cache, later ones are the kernel's. A change made behind
// the kernel is not seen here; the kernel notices it by the directory's mtime.
//
// An answer here costs or saves time, never correctness (the kernel checks its cache
// either way), so the history is a fixed table of slots indexed by nodeid, without a
// lock: two directories sharing a slot only forget each other.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace irpfs::fuse {

class ListingHistory {
 public:
  // An open of directory `nodeid`: true when it was opened before and not changed since.
  bool Opened(uint64_t nodeid) {
    return SlotOf(nodeid).exchange(nodeid, std::memory_order_relaxed) == nodeid;
  }

  // A request that changes the names in directory `nodeid`, or its mtime.
  void Changed(uint64_t nodeid) {
    std::atomic<uint64_t>& slot = SlotOf(nodeid);
    uint64_t expected = nodeid;
    // Most changes hit a directory that was not listed since: read before writing.
    if (slot.load(std::memory_order_relaxed) == expected) {
      slot.compare_exchange_strong(expected, 0, std::memory_order_relaxed);
    }
  }

 private:
  static constexpr size_t kSlots = 1024;
  std::atomic<uint64_t>& SlotOf(uint64_t nodeid) { return slots_[nodeid % kSlots]; }

  std::array<std::atomic<uint64_t>, kSlots> slots_{};
};

}  // namespace irpfs::fuse
