#include "drivers/filters/stats/stats_counters.h"

#include <bit>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace irpfs::stats {

int LatencyBucket(uint64_t nanoseconds) {
  int bucket = std::bit_width(nanoseconds) - 1;
  if (bucket < 0) return 0;
  return bucket < kLatencyBuckets ? bucket : kLatencyBuckets - 1;
}

uint64_t MajorSnapshot::PercentileNs(double p) const {
  if (count == 0) return 0;
  uint64_t total = 0;
  for (uint64_t n : buckets) total += n;
  if (total == 0) return 0;
  auto rank = static_cast<uint64_t>(p * static_cast<double>(total) + 0.999999);
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < kLatencyBuckets; ++i) {
    seen += buckets[i];
    if (seen >= rank) return i + 1 < kLatencyBuckets ? (uint64_t{1} << (i + 1)) : maxNs;
  }
  return maxNs;
}

uint64_t StatsSnapshot::TotalCount() const {
  uint64_t total = 0;
  for (const MajorSnapshot& major : majors) total += major.count;
  return total;
}

void StatsCounters::Record(IrpMajor major, NtStatus status, uint64_t bytes, uint64_t nanoseconds) {
  auto index = static_cast<unsigned>(major);
  if (index >= majors_.size()) return;
  Major& m = majors_[index];
  m.count.fetch_add(1, std::memory_order_relaxed);
  if (NtError(status)) m.errors.fetch_add(1, std::memory_order_relaxed);
  if (bytes != 0) m.bytes.fetch_add(bytes, std::memory_order_relaxed);
  m.totalNs.fetch_add(nanoseconds, std::memory_order_relaxed);
  uint64_t max = m.maxNs.load(std::memory_order_relaxed);
  while (nanoseconds > max &&
         !m.maxNs.compare_exchange_weak(max, nanoseconds, std::memory_order_relaxed)) {
  }
  m.buckets[LatencyBucket(nanoseconds)].fetch_add(1, std::memory_order_relaxed);
}

StatsSnapshot StatsCounters::Snapshot() const {
  StatsSnapshot snapshot;
  for (size_t i = 0; i < majors_.size(); ++i) {
    const Major& m = majors_[i];
    MajorSnapshot& out = snapshot.majors[i];
    out.count = m.count.load(std::memory_order_relaxed);
    out.errors = m.errors.load(std::memory_order_relaxed);
    out.bytes = m.bytes.load(std::memory_order_relaxed);
    out.totalNs = m.totalNs.load(std::memory_order_relaxed);
    out.maxNs = m.maxNs.load(std::memory_order_relaxed);
    for (int b = 0; b < kLatencyBuckets; ++b) {
      out.buckets[b] = m.buckets[b].load(std::memory_order_relaxed);
    }
  }
  return snapshot;
}

void StatsCounters::Reset() {
  for (Major& m : majors_) {
    m.count.store(0, std::memory_order_relaxed);
    m.errors.store(0, std::memory_order_relaxed);
    m.bytes.store(0, std::memory_order_relaxed);
    m.totalNs.store(0, std::memory_order_relaxed);
    m.maxNs.store(0, std::memory_order_relaxed);
    for (auto& bucket : m.buckets) bucket.store(0, std::memory_order_relaxed);
  }
}

namespace {

// "812ns", "3.4us", "12.0ms", "1.50s".
std::string FormatDuration(uint64_t ns) {
  char text[32];
  if (ns < 1000) {
    std::snprintf(text, sizeof text, "%lluns", static_cast<unsigned long long>(ns));
  } else if (ns < 1000000) {
    std::snprintf(text, sizeof text, "%.1fus", static_cast<double>(ns) / 1e3);
  } else if (ns < 1000000000) {
    std::snprintf(text, sizeof text, "%.1fms", static_cast<double>(ns) / 1e6);
  } else {
    std::snprintf(text, sizeof text, "%.2fs", static_cast<double>(ns) / 1e9);
  }
  return text;
}

}  // namespace

std::string FormatStatsText(const StatsSnapshot& snapshot) {
  std::string out =
      "major                               count   errors          bytes     mean      p50"
      "      p99      max\n";
  char line[256];
  for (int i = 0; i < kIrpMajorCount; ++i) {
    const MajorSnapshot& m = snapshot.majors[i];
    if (m.count == 0) continue;
    std::string_view name = IrpMajorName(static_cast<IrpMajor>(i));
    std::snprintf(
        line, sizeof line, "%-32.*s %8llu %8llu %14llu %8s %8s %8s %8s\n",
        static_cast<int>(name.size()), name.data(), static_cast<unsigned long long>(m.count),
        static_cast<unsigned long long>(m.errors), static_cast<unsigned long long>(m.bytes),
        FormatDuration(m.totalNs / m.count).c_str(), FormatDuration(m.PercentileNs(0.5)).c_str(),
        FormatDuration(m.PercentileNs(0.99)).c_str(), FormatDuration(m.maxNs).c_str());
    out += line;
  }
  return out;
}

std::string FormatStatsJson(const StatsSnapshot& snapshot) {
  nlohmann::json majors = nlohmann::json::array();
  for (int i = 0; i < kIrpMajorCount; ++i) {
    const MajorSnapshot& m = snapshot.majors[i];
    if (m.count == 0) continue;
    nlohmann::json histogram = nlohmann::json::array();
    for (int b = 0; b < kLatencyBuckets; ++b) {
      if (m.buckets[b] == 0) continue;
      histogram.push_back({{"ge_ns", BucketLowerBoundNs(b)}, {"count", m.buckets[b]}});
    }
    majors.push_back({{"major", std::string(IrpMajorName(static_cast<IrpMajor>(i)))},
                      {"count", m.count},
                      {"errors", m.errors},
                      {"bytes", m.bytes},
                      {"total_ns", m.totalNs},
                      {"max_ns", m.maxNs},
                      {"p50_ns", m.PercentileNs(0.5)},
                      {"p99_ns", m.PercentileNs(0.99)},
                      {"histogram", std::move(histogram)}});
  }
  nlohmann::json root = {{"majors", std::move(majors)}};
  return root.dump();
}

}  // namespace irpfs::stats
