#include <time.h>

#include <thread>

#include "memfs_fixture.h"

namespace irpfs::memfs::testing {
namespace {

constexpr uint32_t kSeekData = 3;
constexpr uint32_t kSeekHole = 4;
constexpr uint32_t kKeepSize = 0x01;
constexpr uint32_t kPunchHole = 0x02;
constexpr uint32_t kZeroRange = 0x10;
constexpr uint64_t kGiB = uint64_t{1} << 30;

using DataTest = MemfsTest;

// Timestamps are compared for change; make sure the clock moved on.
void Tick() {
  FileTimeSpec start = Now();
  while (Now() == start) std::this_thread::yield();
}

TEST_F(DataTest, WriteThenReadBack) {
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(Write(file, "hello world", 0), NtStatus::Success);
  EXPECT_EQ(Read(file, 0, 100), "hello world");
  EXPECT_EQ(Read(file, 6, 3), "wor");
  EXPECT_EQ(Read(file, 11, 10), "");
  EXPECT_EQ(Read(file, 1000, 10), "");
  ASSERT_EQ(Write(file, "W", 6), NtStatus::Success);
  EXPECT_EQ(Read(file, 0, 100), "hello World");
  EXPECT_EQ(Stat(file).size, 11u);
}

TEST_F(DataTest, WritesAcrossChunkBoundariesAndGrowingBuffers) {
  NodeRef file = MakeFile(root(), "f");
  std::string pattern;
  for (int i = 0; i < 3 * static_cast<int>(kChunkSize) + 777; ++i) {
    pattern.push_back(static_cast<char>('a' + i % 23));
  }
  // Appending in odd-sized pieces makes each chunk's buffer grow several times.
  for (size_t at = 0; at < pattern.size(); at += 1000) {
    ASSERT_EQ(Write(file, std::string_view(pattern).substr(at, 1000), at), NtStatus::Success);
  }
  EXPECT_EQ(Read(file, 0, static_cast<uint32_t>(pattern.size())), pattern);
  EXPECT_EQ(Read(file, kChunkSize - 5, 10), pattern.substr(kChunkSize - 5, 10));
}

TEST_F(DataTest, AppendWritesAtTheEnd) {
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(Write(file, "abc", 0), NtStatus::Success);
  uint32_t written = 0;
  uint64_t at = 0;
  ASSERT_EQ(fs_->Write(ctx_, file, nullptr, "def", 3, 0, true, &written, &at), NtStatus::Success);
  EXPECT_EQ(at, 3u);
  EXPECT_EQ(Read(file, 0, 10), "abcdef");
}

TEST_F(DataTest, ReadingADirectoryFails) {
  char buffer[4];
  uint32_t got = 0;
  EXPECT_EQ(fs_->Read(ctx_, root(), nullptr, buffer, 4, 0, &got), NtStatus::FileIsADirectory);
  uint64_t at;
  EXPECT_EQ(fs_->Write(ctx_, root(), nullptr, buffer, 4, 0, false, &got, &at),
            NtStatus::FileIsADirectory);
}

TEST_F(DataTest, WritePastTheLargestFileFails) {
  NodeRef file = MakeFile(root(), "f");
  EXPECT_EQ(Write(file, "x", kMaxFileSize), NtStatus::FileTooLarge);
  EXPECT_EQ(Truncate(file, kMaxFileSize + 1), NtStatus::FileTooLarge);
  EXPECT_EQ(Stat(file).size, 0u);
}

TEST_F(DataTest, SparseFileCostsOneChunk) {
  NodeRef file = MakeFile(root(), "sparse");
  uint64_t before = fs_->capacity().usedBytes();
  ASSERT_EQ(Write(file, "z", kGiB), NtStatus::Success);
  FileStat st = Stat(file);
  EXPECT_EQ(st.size, kGiB + 1);
  EXPECT_GT(st.allocationSize, 0u);
  EXPECT_LE(st.allocationSize, kChunkSize);
  EXPECT_EQ(fs_->capacity().usedBytes() - before, st.allocationSize);
  EXPECT_TRUE(st.attributes & file_attribute::kSparseFile);
  // Holes read as zeros, the byte is where it was put.
  EXPECT_EQ(Read(file, 12345, 8), std::string(8, '\0'));
  EXPECT_EQ(Read(file, kGiB - 2, 3), std::string("\0\0z", 3));
}

TEST_F(DataTest, ShrinkThenExtendReadsZeros) {
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(Write(file, std::string(kChunkSize * 2 + 100, 'q'), 0), NtStatus::Success);
  uint64_t allocated = Stat(file).allocationSize;
  ASSERT_EQ(Truncate(file, 10), NtStatus::Success);
  EXPECT_EQ(Stat(file).size, 10u);
  EXPECT_LT(Stat(file).allocationSize, allocated);  // chunks past the end were freed
  ASSERT_EQ(Truncate(file, kChunkSize * 3), NtStatus::Success);
  EXPECT_EQ(Read(file, 0, 10), std::string(10, 'q'));
  EXPECT_EQ(Read(file, 10, 100), std::string(100, '\0'));
  EXPECT_EQ(Read(file, kChunkSize + 50, 100), std::string(100, '\0'));
  // Growing does not allocate: only chunk 0 is left.
  EXPECT_EQ(Stat(file).allocationSize, kChunkSize);
}

TEST_F(DataTest, TruncateReturnsSpaceToTheVolume) {
  NodeRef file = MakeFile(root(), "f");
  uint64_t before = fs_->capacity().usedBytes();
  ASSERT_EQ(Write(file, std::string(kChunkSize * 4, 'q'), 0), NtStatus::Success);
  EXPECT_EQ(fs_->capacity().usedBytes(), before + kChunkSize * 4);
  ASSERT_EQ(Truncate(file, 0), NtStatus::Success);
  EXPECT_EQ(fs_->capacity().usedBytes(), before);
}

TEST_F(DataTest, TruncateOfADirectoryFails) {
  EXPECT_EQ(Truncate(root(), 0), NtStatus::FileIsADirectory);
}

TEST_F(DataTest, SeekDataAndHole) {
  NodeRef file = MakeFile(root(), "f");
  // Data in chunk 1 and chunk 3; holes in 0, 2 and from 4 up to the end.
  ASSERT_EQ(Write(file, "a", kChunkSize + 10), NtStatus::Success);
  ASSERT_EQ(Write(file, "b", 3 * kChunkSize), NtStatus::Success);
  ASSERT_EQ(Truncate(file, 6 * kChunkSize), NtStatus::Success);

  uint64_t offset = 0;
  ASSERT_EQ(fs_->SeekData(ctx_, file, kSeekData, &offset), NtStatus::Success);
  EXPECT_EQ(offset, kChunkSize);
  offset = kChunkSize + 20;  // inside data: stays
  ASSERT_EQ(fs_->SeekData(ctx_, file, kSeekData, &offset), NtStatus::Success);
  EXPECT_EQ(offset, kChunkSize + 20);
  offset = 2 * kChunkSize;
  ASSERT_EQ(fs_->SeekData(ctx_, file, kSeekData, &offset), NtStatus::Success);
  EXPECT_EQ(offset, 3 * kChunkSize);
  offset = 4 * kChunkSize;  // only a hole up to the end
  EXPECT_EQ(fs_->SeekData(ctx_, file, kSeekData, &offset), NtStatus::NoDataDetected);

  offset = 0;  // inside a hole: stays
  ASSERT_EQ(fs_->SeekData(ctx_, file, kSeekHole, &offset), NtStatus::Success);
  EXPECT_EQ(offset, 0u);
  offset = kChunkSize + 5;
  ASSERT_EQ(fs_->SeekData(ctx_, file, kSeekHole, &offset), NtStatus::Success);
  EXPECT_EQ(offset, 2 * kChunkSize);
  offset = 3 * kChunkSize;
  ASSERT_EQ(fs_->SeekData(ctx_, file, kSeekHole, &offset), NtStatus::Success);
  EXPECT_EQ(offset, 4 * kChunkSize);

  // At or past the end: ENXIO for both.
  offset = 6 * kChunkSize;
  EXPECT_EQ(fs_->SeekData(ctx_, file, kSeekData, &offset), NtStatus::NoDataDetected);
  offset = 6 * kChunkSize;
  EXPECT_EQ(fs_->SeekData(ctx_, file, kSeekHole, &offset), NtStatus::NoDataDetected);
  offset = 0;
  EXPECT_EQ(fs_->SeekData(ctx_, file, 7, &offset), NtStatus::InvalidParameter);
}

TEST_F(DataTest, SeekHoleOfAFullFileIsItsEnd) {
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(Write(file, "0123456789", 0), NtStatus::Success);
  uint64_t offset = 3;
  ASSERT_EQ(fs_->SeekData(ctx_, file, kSeekHole, &offset), NtStatus::Success);
  EXPECT_EQ(offset, 10u);
  NodeRef empty = MakeFile(root(), "empty");
  offset = 0;
  EXPECT_EQ(fs_->SeekData(ctx_, empty, kSeekData, &offset), NtStatus::NoDataDetected);
}

TEST_F(DataTest, FallocateExtendsAndReserves) {
  NodeRef file = MakeFile(root(), "f");
  uint64_t before = fs_->capacity().usedBytes();
  ASSERT_EQ(fs_->Allocate(ctx_, file, nullptr, 0, 3 * kChunkSize, 0), NtStatus::Success);
  EXPECT_EQ(Stat(file).size, 3 * kChunkSize);
  EXPECT_EQ(Stat(file).allocationSize, 3 * kChunkSize);
  EXPECT_EQ(fs_->capacity().usedBytes(), before + 3 * kChunkSize);
  EXPECT_EQ(Read(file, kChunkSize, 4), std::string(4, '\0'));

  ASSERT_EQ(fs_->Allocate(ctx_, file, nullptr, 5 * kChunkSize, kChunkSize, kKeepSize),
            NtStatus::Success);
  EXPECT_EQ(Stat(file).size, 3 * kChunkSize);
  EXPECT_EQ(Stat(file).allocationSize, 4 * kChunkSize);
}

TEST_F(DataTest, PunchHoleFreesWholeChunksAndZerosPartialOnes) {
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(Write(file, std::string(4 * kChunkSize, 'x'), 0), NtStatus::Success);
  uint64_t before = fs_->capacity().usedBytes();
  // From the middle of chunk 0 to the middle of chunk 3: chunks 1 and 2 go.
  uint64_t start = kChunkSize / 2;
  uint64_t length = 3 * kChunkSize;
  ASSERT_EQ(fs_->Allocate(ctx_, file, nullptr, start, length, kPunchHole | kKeepSize),
            NtStatus::Success);
  EXPECT_EQ(Stat(file).size, 4 * kChunkSize);
  EXPECT_EQ(Stat(file).allocationSize, 2 * kChunkSize);
  EXPECT_EQ(fs_->capacity().usedBytes(), before - 2 * kChunkSize);
  EXPECT_EQ(Read(file, start - 2, 4), std::string("xx\0\0", 4));
  EXPECT_EQ(Read(file, start + length - 2, 4), std::string("\0\0xx", 4));
  EXPECT_EQ(Read(file, 2 * kChunkSize, 8), std::string(8, '\0'));
  // Punching needs KEEP_SIZE, as Linux.
  EXPECT_EQ(fs_->Allocate(ctx_, file, nullptr, 0, 10, kPunchHole), NtStatus::NotSupported);
  EXPECT_EQ(fs_->Allocate(ctx_, file, nullptr, 0, 0, 0), NtStatus::InvalidParameter);
  EXPECT_EQ(fs_->Allocate(ctx_, file, nullptr, 0, 10, 0x08), NtStatus::NotSupported);
}

TEST_F(DataTest, ZeroRangeZerosAndAllocates) {
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(Write(file, std::string(100, 'x'), 0), NtStatus::Success);
  ASSERT_EQ(fs_->Allocate(ctx_, file, nullptr, 10, 200, kZeroRange), NtStatus::Success);
  EXPECT_EQ(Stat(file).size, 210u);
  EXPECT_EQ(Read(file, 0, 12), std::string("xxxxxxxxxx\0\0", 12));
  EXPECT_EQ(Read(file, 10, 200), std::string(200, '\0'));
}

TEST_F(DataTest, WriteThatDoesNotFitFailsAndChangesNothing) {
  constexpr uint64_t kCapacity = 16 * kChunkSize;
  fs_ = std::make_unique<MemFs>(MemfsOptions{.capacityBytes = kCapacity});
  NodeRef file = MakeFile(root(), "f");
  NodeRef other = MakeFile(root(), "other");
  // Fill to one chunk short of full.
  ASSERT_EQ(Write(file, std::string(15 * kChunkSize, 'a'), 0), NtStatus::Success);
  FileStat before = Stat(file);
  Tick();
  // Two chunks' worth no longer fits, even partly.
  EXPECT_EQ(Write(file, std::string(2 * kChunkSize, 'b'), 14 * kChunkSize + 1), NtStatus::DiskFull);
  FileStat after = Stat(file);
  EXPECT_EQ(after.size, before.size);
  EXPECT_EQ(after.allocationSize, before.allocationSize);
  EXPECT_EQ(after.mtime, before.mtime);
  EXPECT_EQ(Read(file, 14 * kChunkSize, static_cast<uint32_t>(kChunkSize)),
            std::string(kChunkSize, 'a'));
  EXPECT_EQ(fs_->capacity().usedBytes(), 15 * kChunkSize);
  // Another file cannot grow past the limit either, but what fits still fits.
  EXPECT_EQ(Write(other, std::string(kChunkSize + 1, 'c'), 0), NtStatus::DiskFull);
  EXPECT_EQ(Stat(other).size, 0u);
  EXPECT_EQ(Write(other, std::string(kChunkSize, 'c'), 0), NtStatus::Success);
  EXPECT_EQ(Write(other, "d", kChunkSize), NtStatus::DiskFull);
  // fallocate and xattrs are bound by the same budget.
  EXPECT_EQ(fs_->Allocate(ctx_, other, nullptr, kChunkSize, 1, 0), NtStatus::DiskFull);
  EXPECT_EQ(Stat(other).size, kChunkSize);
  EXPECT_EQ(fs_->SetEa(ctx_, other, "user.big", "v", 1, 0), NtStatus::DiskFull);
  // Freeing space makes room again.
  ASSERT_EQ(Truncate(file, 0), NtStatus::Success);
  EXPECT_EQ(Write(other, "d", kChunkSize), NtStatus::Success);
}

TEST_F(DataTest, WriteUpdatesMtimeAndCtime) {
  NodeRef file = MakeFile(root(), "f");
  FileStat before = Stat(file);
  EXPECT_EQ(before.mtime, before.btime);
  Tick();
  ASSERT_EQ(Write(file, "x", 0), NtStatus::Success);
  FileStat after = Stat(file);
  EXPECT_NE(after.mtime, before.mtime);
  EXPECT_EQ(after.ctime, after.mtime);
  EXPECT_EQ(after.btime, before.btime);
  EXPECT_EQ(after.atime, before.atime);  // noatime
  Tick();
  ASSERT_EQ(Truncate(file, 0), NtStatus::Success);
  EXPECT_NE(Stat(file).mtime, after.mtime);
  EXPECT_NE(Stat(file).ctime, after.ctime);
}

TEST_F(DataTest, TimestampsHaveNanoseconds) {
  // Out of 20 files made at different times, not all can land on whole microseconds.
  bool sawNanoseconds = false;
  for (int i = 0; i < 20 && !sawNanoseconds; ++i) {
    NodeRef file = MakeFile(root(), "f" + std::to_string(i));
    sawNanoseconds = Stat(file).btime.nsec % 1000 != 0;
  }
  EXPECT_TRUE(sawNanoseconds);
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  EXPECT_LE(std::abs(Stat(root()).btime.sec - now.tv_sec), 5);
}

TEST_F(DataTest, WriteByNonRootClearsSetUid) {
  NodeRef file = MakeFile(root(), "f");
  FilePosixInfo info;
  info.valid = posix_valid::kMode;
  info.mode = 06755;
  ASSERT_EQ(fs_->SetFileInformation(ctx_, file, nullptr, info), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 06755u);
  ctx_.requestor.uid = 0;
  ASSERT_EQ(Write(file, "root", 0), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 06755u);
  ctx_.requestor.uid = 1000;
  ASSERT_EQ(Write(file, "user", 0), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 0755u);
}

}  // namespace
}  // namespace irpfs::memfs::testing
