// MemFs::CopyRange: contents, end of file, holes kept sparse, one-file copies, capacity.
#include <random>
#include <thread>

#include "memfs_fixture.h"

namespace irpfs::memfs::testing {
namespace {

constexpr uint32_t kSeekData = 3;
constexpr uint32_t kSeekHole = 4;

class CopyTest : public MemfsTest {
 protected:
  NtStatus Copy(NodeRef src, uint64_t srcOffset, NodeRef dst, uint64_t dstOffset, uint64_t length,
                uint64_t* copied = nullptr) {
    uint64_t got = 12345;
    NtStatus s =
        fs_->CopyRange(ctx_, src, nullptr, srcOffset, dst, nullptr, dstOffset, length, &got);
    if (copied) *copied = got;
    if (!NtSuccess(s)) {
      EXPECT_EQ(got, 0u);
    }
    return s;
  }
  std::string ReadAll(NodeRef node) {
    return Read(node, 0, static_cast<uint32_t>(Stat(node).size));
  }
};

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen());
  return s;
}

void Tick() {
  FileTimeSpec start = Now();
  while (Now() == start) std::this_thread::yield();
}

TEST_F(CopyTest, CopiesARangeAndGrowsTheDestination) {
  NodeRef src = MakeFile(root(), "src");
  NodeRef dst = MakeFile(root(), "dst");
  ASSERT_EQ(Write(src, "hello world", 0), NtStatus::Success);
  FileStat before = Stat(dst);
  Tick();
  uint64_t copied = 0;
  ASSERT_EQ(Copy(src, 6, dst, 3, 5, &copied), NtStatus::Success);
  EXPECT_EQ(copied, 5u);
  EXPECT_EQ(ReadAll(dst), std::string("\0\0\0world", 8));
  FileStat after = Stat(dst);
  EXPECT_EQ(after.size, 8u);
  EXPECT_NE(after.mtime, before.mtime);
  EXPECT_EQ(after.mtime, after.ctime);
  EXPECT_EQ(ReadAll(src), "hello world");  // the source is untouched
}

TEST_F(CopyTest, ShortAtTheSourcesEndAndNothingPastIt) {
  NodeRef src = MakeFile(root(), "src");
  NodeRef dst = MakeFile(root(), "dst");
  ASSERT_EQ(Write(src, "hello world", 0), NtStatus::Success);
  uint64_t copied = 0;
  ASSERT_EQ(Copy(src, 6, dst, 0, 1000, &copied), NtStatus::Success);
  EXPECT_EQ(copied, 5u);
  EXPECT_EQ(Stat(dst).size, 5u);
  ASSERT_EQ(Copy(src, 11, dst, 100, 10, &copied), NtStatus::Success);
  EXPECT_EQ(copied, 0u);
  ASSERT_EQ(Copy(src, 5000, dst, 100, 10, &copied), NtStatus::Success);
  EXPECT_EQ(copied, 0u);
  ASSERT_EQ(Copy(src, 0, dst, 100, 0, &copied), NtStatus::Success);
  EXPECT_EQ(copied, 0u);
  EXPECT_EQ(Stat(dst).size, 5u);  // a copy of nothing does not extend the destination
}

TEST_F(CopyTest, UnalignedRangesAcrossChunks) {
  NodeRef src = MakeFile(root(), "src");
  NodeRef dst = MakeFile(root(), "dst");
  std::string data = RandomBytes(5 * kChunkSize + 123, 1);
  std::string old = RandomBytes(3 * kChunkSize, 2);
  ASSERT_EQ(Write(src, data, 0), NtStatus::Success);
  ASSERT_EQ(Write(dst, old, 0), NtStatus::Success);
  constexpr uint64_t kFrom = 1000, kTo = 77777, kLength = 3 * kChunkSize + 4321;
  ASSERT_EQ(Copy(src, kFrom, dst, kTo, kLength), NtStatus::Success);
  std::string expected = old;
  expected.resize(kTo + kLength, '\0');
  expected.replace(kTo, kLength, data.substr(kFrom, kLength));
  EXPECT_EQ(ReadAll(dst), expected);
}

TEST_F(CopyTest, HolesOfTheSourceStayHoles) {
  NodeRef src = MakeFile(root(), "src");
  NodeRef dst = MakeFile(root(), "dst");
  // Data in chunks 0 and 5 of an 8-chunk file.
  ASSERT_EQ(Write(src, std::string(kChunkSize, 'a'), 0), NtStatus::Success);
  ASSERT_EQ(Write(src, std::string(kChunkSize, 'b'), 5 * kChunkSize), NtStatus::Success);
  ASSERT_EQ(Truncate(src, 8 * kChunkSize), NtStatus::Success);
  uint64_t usedBefore = fs_->capacity().usedBytes();
  uint64_t copied = 0;
  ASSERT_EQ(Copy(src, 0, dst, 0, 8 * kChunkSize, &copied), NtStatus::Success);
  EXPECT_EQ(copied, 8 * kChunkSize);
  EXPECT_EQ(ReadAll(dst), ReadAll(src));
  EXPECT_EQ(Stat(dst).size, 8 * kChunkSize);
  EXPECT_EQ(Stat(dst).allocationSize, Stat(src).allocationSize);
  EXPECT_EQ(fs_->capacity().usedBytes() - usedBefore, 2 * kChunkSize);
  uint64_t offset = kChunkSize;
  ASSERT_EQ(fs_->SeekData(ctx_, dst, kSeekData, &offset), NtStatus::Success);
  EXPECT_EQ(offset, 5 * kChunkSize);
  offset = 0;
  ASSERT_EQ(fs_->SeekData(ctx_, dst, kSeekHole, &offset), NtStatus::Success);
  EXPECT_EQ(offset, kChunkSize);
}

TEST_F(CopyTest, DataFacingASourceHoleBecomesZerosAndIsFreed) {
  NodeRef src = MakeFile(root(), "src");
  NodeRef dst = MakeFile(root(), "dst");
  ASSERT_EQ(Write(dst, std::string(4 * kChunkSize, 'x'), 0), NtStatus::Success);
  ASSERT_EQ(Write(src, std::string(kChunkSize, 'a'), 0), NtStatus::Success);
  ASSERT_EQ(Write(src, std::string(kChunkSize, 'b'), 3 * kChunkSize), NtStatus::Success);
  uint64_t usedBefore = fs_->capacity().usedBytes();
  ASSERT_EQ(Copy(src, 0, dst, 0, 4 * kChunkSize), NtStatus::Success);
  EXPECT_EQ(ReadAll(dst), std::string(kChunkSize, 'a') + std::string(2 * kChunkSize, '\0') +
                              std::string(kChunkSize, 'b'));
  EXPECT_EQ(usedBefore - fs_->capacity().usedBytes(), 2 * kChunkSize);
  // A hole at the end of the range, past the destination's end: the size still grows.
  ASSERT_EQ(Truncate(src, 10 * kChunkSize), NtStatus::Success);
  ASSERT_EQ(Copy(src, 0, dst, 0, 10 * kChunkSize), NtStatus::Success);
  EXPECT_EQ(Stat(dst).size, 10 * kChunkSize);
  EXPECT_EQ(ReadAll(dst), ReadAll(src));
}

TEST_F(CopyTest, WithinOneFileOnlyWithoutOverlap) {
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(Write(file, "0123456789", 0), NtStatus::Success);
  ASSERT_EQ(Copy(file, 0, file, 10, 10), NtStatus::Success);
  EXPECT_EQ(ReadAll(file), "01234567890123456789");
  ASSERT_EQ(Copy(file, 15, file, 0, 5), NtStatus::Success);
  EXPECT_EQ(ReadAll(file), "56789567890123456789");
  EXPECT_EQ(Copy(file, 0, file, 4, 5), NtStatus::InvalidParameter);
  EXPECT_EQ(Copy(file, 4, file, 0, 5), NtStatus::InvalidParameter);
  EXPECT_EQ(ReadAll(file), "56789567890123456789");
  // Same chunk, different bytes, across a larger file.
  std::string big = RandomBytes(3 * kChunkSize, 3);
  ASSERT_EQ(Write(file, big, 0), NtStatus::Success);
  EXPECT_EQ(Copy(file, 100, file, kChunkSize + 50, kChunkSize), NtStatus::InvalidParameter);
  ASSERT_EQ(Copy(file, 100, file, kChunkSize + 200, kChunkSize), NtStatus::Success);
  big.replace(kChunkSize + 200, kChunkSize, big.substr(100, kChunkSize));
  EXPECT_EQ(ReadAll(file), big);
}

TEST_F(CopyTest, NotRegularFilesAreRefused) {
  NodeRef dir = MakeDir(root(), "d");
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(Write(file, "abc", 0), NtStatus::Success);
  EXPECT_EQ(Copy(dir, 0, file, 0, 3), NtStatus::FileIsADirectory);
  EXPECT_EQ(Copy(file, 0, dir, 0, 3), NtStatus::FileIsADirectory);
  NodeRef link = Make(root(), "l", S_IFLNK | 0777, "f");
  EXPECT_EQ(Copy(file, 0, link, 0, 3), NtStatus::InvalidParameter);
}

TEST_F(CopyTest, PastTheLargestFileFails) {
  NodeRef src = MakeFile(root(), "src");
  NodeRef dst = MakeFile(root(), "dst");
  ASSERT_EQ(Write(src, "abc", 0), NtStatus::Success);
  EXPECT_EQ(Copy(src, 0, dst, kMaxFileSize - 1, 3), NtStatus::FileTooLarge);
  EXPECT_EQ(Stat(dst).size, 0u);
}

TEST_F(CopyTest, ACopyThatDoesNotFitChangesNothing) {
  constexpr uint64_t kCapacity = 16 * kChunkSize;
  fs_ = std::make_unique<MemFs>(MemfsOptions{.capacityBytes = kCapacity});
  NodeRef src = MakeFile(root(), "src");
  NodeRef dst = MakeFile(root(), "dst");
  ASSERT_EQ(Write(src, std::string(9 * kChunkSize, 's'), 0), NtStatus::Success);
  ASSERT_EQ(Write(dst, std::string(2 * kChunkSize, 'd'), 0), NtStatus::Success);
  uint64_t used = fs_->capacity().usedBytes();
  FileStat before = Stat(dst);
  Tick();
  // 9 chunks placed 2 chunks in: 9 new chunks would be needed, 5 are left.
  EXPECT_EQ(Copy(src, 0, dst, 2 * kChunkSize, 9 * kChunkSize), NtStatus::DiskFull);
  FileStat after = Stat(dst);
  EXPECT_EQ(after.size, before.size);
  EXPECT_EQ(after.mtime, before.mtime);
  EXPECT_EQ(fs_->capacity().usedBytes(), used);
  EXPECT_EQ(ReadAll(dst), std::string(2 * kChunkSize, 'd'));
  // What fits still fits (overwriting costs nothing new).
  EXPECT_EQ(Copy(src, 0, dst, 0, 2 * kChunkSize), NtStatus::Success);
  EXPECT_EQ(fs_->capacity().usedBytes(), used);
}

TEST_F(CopyTest, CrossedCopiesDoNotDeadlock) {
  NodeRef a = MakeFile(root(), "a");
  NodeRef b = MakeFile(root(), "b");
  ASSERT_EQ(Write(a, std::string(kChunkSize, 'a'), 0), NtStatus::Success);
  ASSERT_EQ(Write(b, std::string(kChunkSize, 'b'), 0), NtStatus::Success);
  auto loop = [&](NodeRef from, NodeRef to) {
    for (int i = 0; i < 2000; ++i) {
      uint64_t copied = 0;
      ASSERT_EQ(fs_->CopyRange(ctx_, from, nullptr, 0, to, nullptr, 0, kChunkSize, &copied),
                NtStatus::Success);
    }
  };
  std::thread t1(loop, a, b);
  std::thread t2(loop, b, a);
  t1.join();
  t2.join();
  // Each copy is atomic to readers: whole chunks of one letter.
  std::string content = ReadAll(a);
  EXPECT_TRUE(content == std::string(kChunkSize, 'a') || content == std::string(kChunkSize, 'b'));
}

}  // namespace
}  // namespace irpfs::memfs::testing
