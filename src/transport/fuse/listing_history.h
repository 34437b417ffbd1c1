// ListingHistory: which directory opens ask the kernel to keep the listing
// (FOPEN_CACHE_DIR).
//
// A kept listing is not free, and not always a gain:
// - filling it costs the lister a page-cache lookup per entry, about 130 ns: a first
//   listing of 19 000 entries took 2-3 ms longer than the READDIRs alone. Only a later
//   listing of the same unchanged directory repays it. So an open asks for the cache
//   only when the directory was opened before and nothing changed it through this mount
//   since: the first listing after a change is the server's alone, the second fills the
//   cache, later ones are the kernel's.
// - a kept listing has names only. A listing the server gives is READDIRPLUS and
//   refreshes every entry's name and attributes in the kernel; one the kernel gives does
//   not, so an `ls -l` once the entries expired sends a LOOKUP per entry (5 000 entries:
//   100-120 ms instead of 15-30 ms). So a LOOKUP in a directory whose listing is kept
//   stops the caching of that directory until it changes: one such listing per change.
//
// A change made behind the kernel is not seen here; the kernel notices it by the
// directory's mtime. An answer here costs or saves time, never correctness (the kernel
// checks its cache either way), so the history is a fixed table of slots indexed by
// nodeid, without a lock: directories sharing a slot only forget each other.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace irpfs::fuse {

class ListingHistory {
 public:
  // An open of directory `nodeid`: true when it should ask for the kernel's cache.
  bool Opened(uint64_t nodeid) {
    std::atomic<uint64_t>& slot = SlotOf(nodeid);
    uint64_t seen = slot.load(std::memory_order_relaxed);
    if (NodeOf(seen) != nodeid) {
      slot.store(nodeid << kFlagBits, std::memory_order_relaxed);
      return false;
    }
    if (seen & kLookedUp) return false;
    if (!(seen & kCached)) slot.store(seen | kCached, std::memory_order_relaxed);
    return true;
  }

  // A request that changes the names in directory `nodeid`, or its mtime.
  void Changed(uint64_t nodeid) {
    std::atomic<uint64_t>& slot = SlotOf(nodeid);
    uint64_t seen = slot.load(std::memory_order_relaxed);
    // Most changes hit a directory that was not listed since: read before writing.
    if (NodeOf(seen) == nodeid) slot.compare_exchange_strong(seen, 0, std::memory_order_relaxed);
  }

  // A LOOKUP of a name in directory `nodeid` reached the server.
  void LookedUp(uint64_t nodeid) {
    std::atomic<uint64_t>& slot = SlotOf(nodeid);
    uint64_t seen = slot.load(std::memory_order_relaxed);
    if (NodeOf(seen) == nodeid && (seen & kCached) && !(seen & kLookedUp)) {
      slot.compare_exchange_strong(seen, seen | kLookedUp, std::memory_order_relaxed);
    }
  }

 private:
  static constexpr size_t kSlots = 1024;
  // A slot holds nodeid << kFlagBits | flags (nodeids are slot indexes, far below 2^62).
  static constexpr int kFlagBits = 2;
  static constexpr uint64_t kCached = 1;    // an open of it asked for the cache
  static constexpr uint64_t kLookedUp = 2;  // ... and a LOOKUP in it came after
  static uint64_t NodeOf(uint64_t slotValue) { return slotValue >> kFlagBits; }
  std::atomic<uint64_t>& SlotOf(uint64_t nodeid) { return slots_[nodeid % kSlots]; }

  std::array<std::atomic<uint64_t>, kSlots> slots_{};
};

}  // namespace irpfs::fuse
