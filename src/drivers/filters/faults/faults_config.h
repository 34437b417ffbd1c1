// FaultsConfig: the live fault settings of one faults device, shared between the filter
// (which asks it per IRP) and whoever changes them at run time (`irpfs faults`, tests).
//
// Threads: every method may be called from any thread. Decide takes a mutex (the rules,
// their remaining counts and the random generator); an empty configuration answers
// without it. The ENOSPC budget is a lock-free atomic.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "core/irp_codes.h"
#include "core/status.h"
#include "drivers/filters/faults/faults_options.h"

namespace irpfs::faults {

// What the rules say about one IRP.
struct FaultDecision {
  bool fail = false;
  NtStatus status = NtStatus::Success;  // when fail
  uint64_t delayNs = 0;
  bool shortTransfer = false;
};

class FaultsConfig {
 public:
  FaultsConfig() = default;
  explicit FaultsConfig(FaultsSettings settings) { Set(std::move(settings)); }
  FaultsConfig(const FaultsConfig&) = delete;
  FaultsConfig& operator=(const FaultsConfig&) = delete;

  // Replaces everything (rules, counts, budget, seed).
  void Set(FaultsSettings settings);
  // Parses (faults_options.h) and replaces; on error nothing changes.
  NtStatus Set(std::string_view options, std::string* error = nullptr);
  void Clear() { Set(FaultsSettings{}); }
  // The settings now: counts are what is left, enospcAfter the bytes left.
  FaultsSettings Get() const;
  std::string Describe() const { return FormatFaultsOptions(Get()); }
  // Faults injected so far (rule hits, and writes refused for the budget).
  uint64_t injected() const { return injected_.load(std::memory_order_relaxed); }

  // ---- For the filter.
  bool HasRules() const { return hasRules_.load(std::memory_order_acquire); }
  bool NeedsPath() const { return needsPath_.load(std::memory_order_acquire); }
  // `path` is "" when the IRP names no file.
  FaultDecision Decide(IrpMajor major, std::string_view path);
  bool HasBudget() const { return budget_.load(std::memory_order_relaxed) >= 0; }
  // Takes up to `length` bytes from the budget and returns how many were taken (all of
  // them when there is no budget); 0 for a non-empty write means the disk is full.
  uint32_t ChargeWrite(uint32_t length);
  // Gives back bytes charged for a write that moved fewer.
  void RefundWrite(uint64_t bytes);

 private:
  mutable std::mutex mutex_;  // guards settings_.rules and random_
  FaultsSettings settings_;
  std::mt19937_64 random_;
  std::atomic<bool> hasRules_{false};
  std::atomic<bool> needsPath_{false};
  std::atomic<int64_t> budget_{-1};
  std::atomic<uint64_t> injected_{0};
};

}  // namespace irpfs::faults
