#include "drivers/filters/trace/trace_ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace irpfs::trace {
namespace {

TraceRecord Numbered(uint64_t n) {
  TraceRecord r;
  r.sequence = n;
  return r;
}

TEST(TraceRing, CapacityIsRoundedUpToAPowerOfTwo) {
  EXPECT_EQ(TraceRing(1).capacity(), 2u);
  EXPECT_EQ(TraceRing(100).capacity(), 128u);
  EXPECT_EQ(TraceRing(4096).capacity(), 4096u);
}

TEST(TraceRing, KeepsOrderAndDropsWhenFull) {
  TraceRing ring(4);
  for (uint64_t n = 1; n <= 6; ++n) EXPECT_EQ(ring.TryPush(Numbered(n)), n <= 4);
  EXPECT_EQ(ring.dropped(), 2u);
  TraceRecord out[8];
  ASSERT_EQ(ring.Drain(out), 4u);
  for (uint64_t n = 0; n < 4; ++n) EXPECT_EQ(out[n].sequence, n + 1);
  EXPECT_FALSE(ring.TryPop(out));
  // After draining, the slots are reused.
  EXPECT_TRUE(ring.TryPush(Numbered(7)));
  ASSERT_TRUE(ring.TryPop(out));
  EXPECT_EQ(out[0].sequence, 7u);
}

TEST(TraceRing, DrainStopsAtTheSpanSize) {
  TraceRing ring(8);
  for (uint64_t n = 1; n <= 5; ++n) ring.TryPush(Numbered(n));
  TraceRecord out[2];
  EXPECT_EQ(ring.Drain(out), 2u);
  EXPECT_EQ(ring.DrainAll().size(), 3u);
}

TEST(TraceRing, ConcurrentWritersAndReaderLoseNothingThatFits) {
  TraceRing ring(64);
  constexpr int kWriters = 3;
  constexpr uint64_t kPerWriter = 3000;
  std::atomic<int> writersLeft{kWriters};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (uint64_t n = 0; n < kPerWriter; ++n) {
        // Retry until the reader has made room: every record must get through.
        while (!ring.TryPush(Numbered(w * kPerWriter + n))) std::this_thread::yield();
      }
      --writersLeft;
    });
  }
  std::vector<uint64_t> seen;
  TraceRecord record;
  for (;;) {
    if (ring.TryPop(&record)) {
      seen.push_back(record.sequence);
    } else if (writersLeft.load() == 0) {
      break;  // every push happened before the count dropped, and the ring is empty
    } else {
      std::this_thread::yield();
    }
  }
  for (auto& writer : writers) writer.join();

  ASSERT_EQ(seen.size(), kWriters * kPerWriter);
  std::sort(seen.begin(), seen.end());
  for (uint64_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i);
}

}  // namespace
}  // namespace irpfs::trace
