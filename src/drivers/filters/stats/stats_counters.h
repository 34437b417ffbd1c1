// The counters of the stats filter: per IRP major function, how many IRPs completed, how
// many with an error, how many bytes READ and WRITE moved, and a latency histogram.
//
// Recording is lock-free (relaxed atomic adds), so every IRP thread may record at once;
// a snapshot reads the atomics one by one and is therefore not a single instant: a
// concurrent IRP may show in its count and not yet in its histogram. Histogram bucket i
// counts latencies in [2^i, 2^(i+1)) nanoseconds (bucket 0 also takes 0 and 1 ns; the
// last bucket is open-ended).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "core/irp_codes.h"
#include "core/status.h"

namespace irpfs::stats {

inline constexpr int kLatencyBuckets = 40;  // up to 2^39 ns (about 9 minutes)

// The bucket of a latency.
int LatencyBucket(uint64_t nanoseconds);
// The lower bound of a bucket in nanoseconds.
inline uint64_t BucketLowerBoundNs(int bucket) {
  return bucket == 0 ? 0 : uint64_t{1} << bucket;
}

struct MajorSnapshot {
  uint64_t count = 0;
  uint64_t errors = 0;  // NT_ERROR statuses (cancellation included)
  uint64_t bytes = 0;   // READ and WRITE: IoStatus.Information of successful IRPs
  uint64_t totalNs = 0;
  uint64_t maxNs = 0;
  std::array<uint64_t, kLatencyBuckets> buckets{};

  // An upper bound of the p-th percentile (0 < p <= 1) from the histogram: the upper edge
  // of the bucket the percentile falls in. 0 when count is 0.
  uint64_t PercentileNs(double p) const;
};

struct StatsSnapshot {
  std::array<MajorSnapshot, kIrpMajorCount> majors{};
  uint64_t TotalCount() const;
};

class StatsCounters {
 public:
  void Record(IrpMajor major, NtStatus status, uint64_t bytes, uint64_t nanoseconds);
  StatsSnapshot Snapshot() const;
  void Reset();

 private:
  struct Major {
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> totalNs{0};
    std::atomic<uint64_t> maxNs{0};
    std::array<std::atomic<uint64_t>, kLatencyBuckets> buckets{};
  };
  std::array<Major, kIrpMajorCount> majors_;
};

// A table of the majors that saw IRPs: name, count, errors, bytes, mean, p50, p99, max.
std::string FormatStatsText(const StatsSnapshot& snapshot);
// {"majors":[{"major":"IRP_MJ_READ","count":..,"errors":..,"bytes":..,"total_ns":..,
//   "max_ns":..,"p50_ns":..,"p99_ns":..,"histogram":[{"ge_ns":..,"count":..},...]}, ...]}
// with only the majors that saw IRPs and only the non-empty buckets.
std::string FormatStatsJson(const StatsSnapshot& snapshot);

}  // namespace irpfs::stats
