// Process names (/proc/<pid>/comm) for trace records, without reading /proc per IRP.
//
// A fixed table of slots indexed by pid; a slot remembers one pid's name for a while
// (kMaxAgeNs) and is then read again, which also picks up pid reuse and renames
// (prctl PR_SET_NAME) within that delay.
//
// Hits take no lock: each slot is a sequence lock whose fields are all atomics, so a
// reader copies them and retries (or treats it as a miss) if a writer was in between.
// Misses read /proc once and refill the slot under a per-slot mutex, which serializes
// writers only. No allocation either way.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

#include "drivers/filters/trace/trace_record.h"

namespace irpfs::trace {

class ProcessNameCache {
 public:
  static constexpr int64_t kMaxAgeNs = 2'000'000'000;
  static constexpr size_t kSlots = 256;

  // The name of `pid` into *name (empty when the process is gone or pid is 0).
  // `nowNs` is a CLOCK_MONOTONIC time the caller already has.
  void Lookup(pid_t pid, int64_t nowNs, FixedText<16>* name);

 private:
  // comm is at most 15 bytes: it fits two words.
  static constexpr size_t kNameWords = 2;

  struct Slot {
    std::atomic<uint64_t> version{0};  // odd while a writer is filling the slot
    std::atomic<pid_t> pid{0};
    std::atomic<int64_t> loadedAtNs{0};
    std::array<std::atomic<uint64_t>, kNameWords> name{};
    std::atomic<uint8_t> nameLength{0};
    std::mutex writer;
  };

  static bool TryRead(const Slot& slot, pid_t pid, int64_t nowNs, FixedText<16>* name);
  static void Refill(Slot& slot, pid_t pid, int64_t nowNs, FixedText<16>* name);
  static void ReadComm(pid_t pid, FixedText<16>* name);

  std::array<Slot, kSlots> slots_;
};

}  // namespace irpfs::trace
