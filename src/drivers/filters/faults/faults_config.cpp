#include "drivers/filters/faults/faults_config.h"

#include <algorithm>

#include "drivers/filters/faults/faults_path.h"

namespace irpfs::faults {

void FaultsConfig::Set(FaultsSettings settings) {
  std::lock_guard lock(mutex_);
  bool needsPath = std::any_of(settings.rules.begin(), settings.rules.end(),
                               [](const FaultRule& rule) { return !rule.path.empty(); });
  random_.seed(settings.seed);
  budget_.store(settings.enospcAfter, std::memory_order_relaxed);
  hasRules_.store(!settings.rules.empty(), std::memory_order_release);
  needsPath_.store(needsPath, std::memory_order_release);
  settings_ = std::move(settings);
}

NtStatus FaultsConfig::Set(std::string_view options, std::string* error) {
  FaultsSettings settings;
  NtStatus status = ParseFaultsOptions(options, &settings, error);
  if (NtSuccess(status)) Set(std::move(settings));
  return status;
}

FaultsSettings FaultsConfig::Get() const {
  std::lock_guard lock(mutex_);
  FaultsSettings copy = settings_;
  copy.enospcAfter = budget_.load(std::memory_order_relaxed);
  return copy;
}

FaultDecision FaultsConfig::Decide(IrpMajor major, std::string_view path) {
  FaultDecision decision;
  if (!HasRules()) return decision;
  std::lock_guard lock(mutex_);
  for (FaultRule& rule : settings_.rules) {
    if (!(rule.majors & MajorBit(major)) || rule.count == 0) continue;
    if (!rule.path.empty() && (path.empty() || !FaultsPathMatches(rule.path.c_str(), path))) {
      continue;
    }
    if (rule.probability < 1.0) {
      double roll = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
      if (roll >= rule.probability) continue;
    }
    if (rule.count > 0) --rule.count;
    injected_.fetch_add(1, std::memory_order_relaxed);
    if (rule.status && !decision.fail) {
      decision.fail = true;
      decision.status = *rule.status;
    }
    decision.delayNs += rule.delayNs;
    decision.shortTransfer = decision.shortTransfer || rule.shortTransfer;
  }
  return decision;
}

uint32_t FaultsConfig::ChargeWrite(uint32_t length) {
  int64_t budget = budget_.load(std::memory_order_relaxed);
  for (;;) {
    if (budget < 0) return length;
    int64_t taken = std::min<int64_t>(budget, length);
    if (taken == 0) {
      if (length != 0) injected_.fetch_add(1, std::memory_order_relaxed);
      return 0;
    }
    if (budget_.compare_exchange_weak(budget, budget - taken, std::memory_order_relaxed)) {
      return static_cast<uint32_t>(taken);
    }
  }
}

void FaultsConfig::RefundWrite(uint64_t bytes) {
  int64_t budget = budget_.load(std::memory_order_relaxed);
  // A budget removed (or reset) meanwhile is left alone.
  while (budget >= 0 && !budget_.compare_exchange_weak(budget, budget + static_cast<int64_t>(bytes),
                                                       std::memory_order_relaxed)) {
  }
}

}  // namespace irpfs::faults
