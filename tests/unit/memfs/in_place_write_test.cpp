// Writes inside a file's existing chunks run under the node lock held shared (see
// MemFs::Write): many threads write, read, stat, grow and truncate one file at once.
// Run under TSan and ASan too; the content checks hold in any interleaving.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "memfs_fixture.h"

namespace irpfs::memfs::testing {
namespace {

constexpr uint32_t kBlock = 4096;
constexpr int kWriters = 4;

class InPlaceWriteTest : public MemfsTest {
 protected:
  // A file of `blocks` blocks, all backed (written once), so that later writes inside it
  // take the in-place path.
  NodeRef MakeBackedFile(std::string_view name, int blocks) {
    NodeRef file = MakeFile(root(), name);
    EXPECT_EQ(Write(file, std::string(blocks * size_t{kBlock}, '\0'), 0), NtStatus::Success);
    return file;
  }

  // One block filled with `value`, written by `ctx` at block `index`.
  NtStatus WriteBlock(const OperationContext& ctx, NodeRef file, uint64_t index, char value) {
    std::string block(kBlock, value);
    uint32_t written = 0;
    uint64_t at = 0;
    NtStatus s =
        fs_->Write(ctx, file, nullptr, block.data(), kBlock, index * kBlock, false, &written, &at);
    if (NtSuccess(s) && (written != kBlock || at != index * kBlock)) return NtStatus::Unsuccessful;
    return s;
  }

  // Block `index` as read now (shorter at the end of file).
  std::string ReadBlock(const OperationContext& ctx, NodeRef file, uint64_t index) {
    std::string block(kBlock, '\xee');
    uint32_t got = 0;
    EXPECT_EQ(fs_->Read(ctx, file, nullptr, block.data(), kBlock, index * kBlock, &got),
              NtStatus::Success);
    block.resize(got);
    return block;
  }
};

bool Uniform(std::string_view block) {
  return block.empty() || block.find_first_not_of(block[0]) == std::string_view::npos;
}

// Value writer `t` uses in round `i`: never 0, distinct per writer.
char ValueOf(int t, int i) {
  return static_cast<char>(1 + t * 60 + i % 60);
}

TEST_F(InPlaceWriteTest, WritersToDistinctBlocksKeepEachOthersData) {
  constexpr int kBlocks = 64;  // four chunks
  NodeRef file = MakeBackedFile("f", kBlocks);
  uint64_t usedBefore = fs_->capacity().usedBytes();
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      OperationContext ctx;
      for (int i = 0; i < 300; ++i) {
        // Writer t owns blocks t, t + 4, ...: neighbours in every chunk.
        ASSERT_EQ(WriteBlock(ctx, file, t + kWriters * (i % (kBlocks / kWriters)), ValueOf(t, i)),
                  NtStatus::Success);
      }
    });
  }
  for (auto& th : threads) th.join();
  // Each block holds its owner's last write to it: round 299 - k for the block written in
  // round i with i % 16 == b.
  for (int b = 0; b < kBlocks; ++b) {
    int t = b % kWriters;
    int slot = b / kWriters;
    int lastRound = 299 - ((299 - slot) % (kBlocks / kWriters));
    EXPECT_EQ(ReadBlock(ctx_, file, b), std::string(kBlock, ValueOf(t, lastRound))) << b;
  }
  EXPECT_EQ(Stat(file).size, kBlocks * uint64_t{kBlock});
  EXPECT_EQ(fs_->capacity().usedBytes(), usedBefore);  // in place: nothing charged
}

TEST_F(InPlaceWriteTest, OverlappingWritersAndReadersNeverSeeATornBlock) {
  constexpr int kBlocks = 32;
  NodeRef file = MakeBackedFile("f", kBlocks);
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> writers;
  std::vector<std::thread> readers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      OperationContext ctx;
      for (int i = 0; i < 400; ++i) {
        ASSERT_EQ(WriteBlock(ctx, file, (i * 7 + t) % kBlocks, ValueOf(t, i)), NtStatus::Success);
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      OperationContext ctx;
      // At least one pass, however late this thread starts on a loaded machine.
      do {
        for (int b = r; b < kBlocks; b += 2) {
          std::string block = ReadBlock(ctx, file, b);
          ASSERT_EQ(block.size(), kBlock);
          ASSERT_TRUE(Uniform(block)) << "torn block " << b;
          reads.fetch_add(1);
        }
        FileStat st;
        ASSERT_EQ(fs_->GetFileInformation(ctx, file, &st), NtStatus::Success);
      } while (!stop.load());
    });
  }
  for (auto& th : writers) th.join();
  stop = true;
  for (auto& th : readers) th.join();
  EXPECT_GT(reads.load(), 0);
  for (int b = 0; b < kBlocks; ++b) EXPECT_TRUE(Uniform(ReadBlock(ctx_, file, b))) << b;
}

TEST_F(InPlaceWriteTest, AWriteAcrossChunksIsWholeInEachChunk) {
  // 8 KiB writes straddling the boundary of chunks 0 and 1: a reader of either 4 KiB half
  // sees one write's bytes, never a mix.
  NodeRef file = MakeBackedFile("f", 2 * kChunkSize / kBlock);
  const uint64_t straddle = kChunkSize - kBlock;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      OperationContext ctx;
      for (int i = 0; i < 300; ++i) {
        std::string data(2 * kBlock, ValueOf(t, i));
        uint32_t written;
        uint64_t at;
        ASSERT_EQ(
            fs_->Write(ctx, file, nullptr, data.data(), 2 * kBlock, straddle, false, &written, &at),
            NtStatus::Success);
      }
    });
  }
  std::thread reader([&] {
    OperationContext ctx;
    while (!stop.load()) {
      std::string pair(2 * kBlock, '\xee');
      uint32_t got;
      ASSERT_EQ(fs_->Read(ctx, file, nullptr, pair.data(), 2 * kBlock, straddle, &got),
                NtStatus::Success);
      ASSERT_TRUE(Uniform(std::string_view(pair).substr(0, kBlock)));
      ASSERT_TRUE(Uniform(std::string_view(pair).substr(kBlock)));
    }
  });
  for (auto& th : threads) th.join();
  stop = true;
  reader.join();
}

TEST_F(InPlaceWriteTest, GrowthRacesWithInPlaceWrites) {
  constexpr int kBlocks = 16;
  constexpr int kAppends = 200;
  NodeRef file = MakeBackedFile("f", kBlocks);
  std::vector<std::thread> threads;
  // One thread appends whole blocks (new chunks, bigger buffers: exclusive), the others
  // overwrite the first blocks in place.
  threads.emplace_back([&] {
    OperationContext ctx;
    std::string block(kBlock, 'A');
    for (int i = 0; i < kAppends; ++i) {
      uint32_t written;
      uint64_t at;
      ASSERT_EQ(fs_->Write(ctx, file, nullptr, block.data(), kBlock, 0, true, &written, &at),
                NtStatus::Success);
      ASSERT_EQ(at, (kBlocks + i) * uint64_t{kBlock});
    }
  });
  for (int t = 0; t < kWriters - 1; ++t) {
    threads.emplace_back([&, t] {
      OperationContext ctx;
      for (int i = 0; i < 400; ++i) {
        ASSERT_EQ(WriteBlock(ctx, file, (i + t) % kBlocks, ValueOf(t, i)), NtStatus::Success);
        // Reads cross into the growing part.
        ASSERT_TRUE(Uniform(ReadBlock(ctx, file, kBlocks + i % kAppends)));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Stat(file).size, (kBlocks + kAppends) * uint64_t{kBlock});
  for (int b = 0; b < kBlocks; ++b) {
    std::string block = ReadBlock(ctx_, file, b);
    EXPECT_TRUE(Uniform(block)) << b;
    EXPECT_NE(block[0], '\0') << b;  // every first block was overwritten at least once
  }
  for (int b = kBlocks; b < kBlocks + kAppends; ++b) {
    EXPECT_EQ(ReadBlock(ctx_, file, b), std::string(kBlock, 'A')) << b;
  }
  // Space is exact: what the file holds and not a byte more.
  EXPECT_EQ(fs_->capacity().usedBytes(), Stat(file).allocationSize);
}

TEST_F(InPlaceWriteTest, TruncateRacingWritesLeavesWholeBlocksAndExactSpace) {
  constexpr int kBlocks = 48;  // three chunks
  NodeRef file = MakeBackedFile("f", kBlocks);
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters - 1; ++t) {
    writers.emplace_back([&, t] {
      OperationContext ctx;
      for (int i = 0; !stop.load(); ++i) {
        // In place while the file is long, growing (exclusive) when a truncate cut it.
        ASSERT_EQ(WriteBlock(ctx, file, (i * 5 + t) % kBlocks, ValueOf(t, i)), NtStatus::Success);
      }
    });
  }
  std::thread truncator([&] {
    OperationContext ctx;
    for (int i = 0; i < 200; ++i) {
      FilePosixInfo info;
      info.valid = posix_valid::kSize;
      info.size = (i % 3) * kChunkSize + (i % 7) * kBlock;  // cuts inside and between chunks
      // EXPECT, not ASSERT: the writers run until `stop`.
      EXPECT_EQ(fs_->SetFileInformation(ctx, file, nullptr, info), NtStatus::Success);
    }
    stop = true;
  });
  truncator.join();
  for (auto& th : writers) th.join();
  uint64_t size = Stat(file).size;
  for (uint64_t b = 0; b * kBlock < size; ++b) {
    EXPECT_TRUE(Uniform(ReadBlock(ctx_, file, b))) << b;
  }
  EXPECT_EQ(fs_->capacity().usedBytes(), Stat(file).allocationSize);
  ASSERT_EQ(Truncate(file, 0), NtStatus::Success);
  EXPECT_EQ(fs_->capacity().usedBytes(), 0u);
}

TEST_F(InPlaceWriteTest, InPlaceWritesFitInAFullVolumeAndSetTheTimes) {
  fs_ = std::make_unique<MemFs>(MemfsOptions{.capacityBytes = 2 * kChunkSize});
  NodeRef file = MakeBackedFile("f", 2 * kChunkSize / kBlock);
  ASSERT_EQ(fs_->capacity().usedBytes(), 2 * kChunkSize);
  FileStat before = Stat(file);
  FileTimeSpec start = Now();
  while (Now() == start) std::this_thread::yield();
  // The volume is full, but a write inside the file needs no memory.
  ASSERT_EQ(Write(file, std::string(3 * kBlock, 'x'), kChunkSize - kBlock), NtStatus::Success);
  EXPECT_EQ(Write(file, "y", 2 * kChunkSize), NtStatus::DiskFull);  // growth still cannot
  FileStat after = Stat(file);
  EXPECT_EQ(after.size, before.size);
  EXPECT_EQ(after.allocationSize, before.allocationSize);
  EXPECT_NE(after.mtime, before.mtime);
  EXPECT_EQ(after.ctime, after.mtime);
  EXPECT_EQ(Read(file, kChunkSize - kBlock - 1, 3 * kBlock + 2),
            std::string(1, '\0') + std::string(3 * kBlock, 'x') + std::string(1, '\0'));
}

TEST_F(InPlaceWriteTest, InPlaceWriteByNonRootStillClearsSetUid) {
  NodeRef file = MakeBackedFile("f", 1);
  FilePosixInfo info;
  info.valid = posix_valid::kMode;
  info.mode = 04755;
  ASSERT_EQ(fs_->SetFileInformation(ctx_, file, nullptr, info), NtStatus::Success);
  ASSERT_EQ(Write(file, "inside", 10), NtStatus::Success);  // no growth
  EXPECT_EQ(Stat(file).mode & 07777, 0755u);
}

}  // namespace
}  // namespace irpfs::memfs::testing
