// stat_latency: times N stat() calls on one path and prints the p50 and p99 round trip.
//
//   stat_latency PATH [N]
//
// Each call is timed on its own with clock_gettime(CLOCK_MONOTONIC), so a percentile is the
// cost of one request as the caller sees it. On a FUSE mount with attribute and entry
// caching off, every call is a round trip to the server. Prints key=value lines.
//
// The calls are taken in kBlocks consecutive blocks, and p50_us / p99_us are the medians
// of the blocks' percentiles: on this 2-core guest a burst of work elsewhere (another
// guest, a kernel thread) lasting a few milliseconds lands in one block and moved the
// whole run's p99 by 2-3x between identical runs. The whole run's p99 is printed too
// (p99_all_us), as are the blocks' (p99_blocks_us).
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr long kWarmupCalls = 200;
constexpr long kBlocks = 5;

double NowNanoseconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

double Percentile(const std::vector<double>& sorted, double fraction) {
  size_t index = static_cast<size_t>(fraction * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: stat_latency PATH [N]\n");
    return 2;
  }
  const char* path = argv[1];
  long calls = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 10000;
  if (calls <= 0) {
    std::fprintf(stderr, "stat_latency: N must be positive\n");
    return 2;
  }

  struct stat info {};
  for (long i = 0; i < kWarmupCalls; ++i) {
    if (stat(path, &info) != 0) {
      std::fprintf(stderr, "stat_latency: stat %s: %s\n", path, std::strerror(errno));
      return 1;
    }
  }

  // Sized up front so the timed loop does no allocation of its own.
  std::vector<double> microseconds(static_cast<size_t>(calls));
  for (long i = 0; i < calls; ++i) {
    double start = NowNanoseconds();
    int result = stat(path, &info);
    double end = NowNanoseconds();
    if (result != 0) {
      std::fprintf(stderr, "stat_latency: stat %s: %s\n", path, std::strerror(errno));
      return 1;
    }
    microseconds[static_cast<size_t>(i)] = (end - start) / 1000.0;
  }

  double total = 0;
  for (double value : microseconds) total += value;
  // A run shorter than kBlocks calls is one block.
  long blocks = calls >= kBlocks ? kBlocks : 1;
  std::vector<double> p50s, p99s;
  for (long b = 0; b < blocks; ++b) {
    auto first = microseconds.begin() + b * calls / blocks;
    auto last = microseconds.begin() + (b + 1) * calls / blocks;
    std::vector<double> block(first, last);
    std::sort(block.begin(), block.end());
    p50s.push_back(Percentile(block, 0.50));
    p99s.push_back(Percentile(block, 0.99));
  }
  std::sort(microseconds.begin(), microseconds.end());
  std::printf("calls=%ld\n", calls);
  std::printf("p50_us=%.2f\n", Median(p50s));
  std::printf("p99_us=%.2f\n", Median(p99s));
  std::printf("p99_all_us=%.2f\n", Percentile(microseconds, 0.99));
  std::printf("p99_blocks_us=");
  for (long b = 0; b < blocks; ++b) std::printf("%s%.1f", b == 0 ? "" : ",", p99s[b]);
  std::printf("\n");
  std::printf("mean_us=%.2f\n", total / static_cast<double>(calls));
  return 0;
}
