#include "drivers/memfs/file_data.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace irpfs::memfs {
namespace {

std::string ReadAll(const FileData& data, uint64_t offset, uint32_t length) {
  std::string out(length, '\xee');
  out.resize(data.Read(out.data(), length, offset));
  return out;
}

void Put(FileData& data, std::string_view bytes, uint64_t offset) {
  uint64_t before = data.allocatedBytes();
  uint64_t growth = data.GrowthNeeded(offset, offset + bytes.size());
  data.Back(offset, offset + bytes.size());
  ASSERT_EQ(data.allocatedBytes() - before, growth);  // the price quoted is the price paid
  data.Store(bytes.data(), static_cast<uint32_t>(bytes.size()), offset);
}

TEST(FileDataTest, SmallFileCostsOneGrain) {
  FileData data;
  Put(data, "abc", 0);
  EXPECT_EQ(data.allocatedBytes(), kChunkGrain);
  EXPECT_EQ(ReadAll(data, 0, 10), "abc");
}

TEST(FileDataTest, BuffersGrowByDoublingUpToTheChunk) {
  FileData data;
  Put(data, "a", 0);
  Put(data, "b", kChunkGrain);  // needs 2 grains: doubles to 8 KiB
  EXPECT_EQ(data.allocatedBytes(), 2 * kChunkGrain);
  Put(data, "c", 3 * kChunkGrain);  // needs 4 grains: doubles to 16 KiB
  EXPECT_EQ(data.allocatedBytes(), 4 * kChunkGrain);
  Put(data, "d", kChunkSize - 1);
  EXPECT_EQ(data.allocatedBytes(), kChunkSize);
  EXPECT_EQ(ReadAll(data, kChunkGrain - 1, 2), std::string("\0b", 2));
  EXPECT_EQ(ReadAll(data, 0, 1), "a");
}

TEST(FileDataTest, GrowthOfAHugeRangeIsPricedWithoutVisitingIt) {
  FileData data;
  Put(data, "x", 10 * uint64_t{kChunkSize} + 5);
  uint64_t end = uint64_t{1} << 50;
  // Every span full except the last, whose need is the remainder; the existing chunk
  // grows from one grain to full.
  uint64_t spans = (end - 1) / kChunkSize + 1;
  EXPECT_EQ(data.GrowthNeeded(0, end), (spans - 1) * kChunkSize - kChunkGrain + kChunkSize);
  EXPECT_EQ(data.GrowthNeeded(0, 100), kChunkGrain);
  EXPECT_EQ(data.GrowthNeeded(5, 5), 0u);
}

TEST(FileDataTest, ReadsOfHolesAreZeros) {
  FileData data;
  Put(data, "end", 5 * uint64_t{kChunkSize});
  EXPECT_EQ(data.size(), 5 * uint64_t{kChunkSize} + 3);
  std::string head = ReadAll(data, 0, 3 * kChunkSize);
  EXPECT_EQ(head, std::string(3 * kChunkSize, '\0'));
  EXPECT_EQ(ReadAll(data, 5 * uint64_t{kChunkSize} - 1, 10), std::string("\0end", 4));
}

TEST(FileDataTest, ResizeDownZerosTheTailSoGrowingShowsZeros) {
  FileData data;
  Put(data, std::string(1000, 'x'), 0);
  data.Resize(10);
  data.Resize(1000);
  EXPECT_EQ(ReadAll(data, 0, 1000), std::string(10, 'x') + std::string(990, '\0'));
}

TEST(FileDataTest, ResizeDropsPreallocationPastTheEnd) {
  FileData data;
  Put(data, "a", 0);
  data.Back(3 * uint64_t{kChunkSize}, 4 * uint64_t{kChunkSize});  // KEEP_SIZE style
  EXPECT_EQ(data.allocatedBytes(), kChunkGrain + kChunkSize);
  data.Resize(0);
  EXPECT_EQ(data.allocatedBytes(), 0u);
}

// Spans near the start are indexed directly, far ones in a map (file_data.h): a file
// written in both places, punched, truncated and searched must read the same either way.
TEST(FileDataTest, NearAndFarSpansBehaveAlike) {
  FileData data;
  const uint64_t far = uint64_t{1} << 40;  // 1 TiB: past any direct index
  Put(data, "far", far);
  Put(data, "mid", 100 * uint64_t{kChunkSize});  // too far for a 1-chunk file's index
  for (uint64_t span = 0; span < 300; ++span) {
    Put(data, std::string(1, static_cast<char>('a' + span % 26)), span * kChunkSize + 7);
  }
  EXPECT_EQ(data.allocatedBytes(), (300 + 1) * uint64_t{kChunkGrain});
  EXPECT_EQ(ReadAll(data, far - 1, 10), std::string("\0far", 4));
  EXPECT_EQ(ReadAll(data, 100 * uint64_t{kChunkSize}, 3), "mid");  // the index took it in
  EXPECT_EQ(ReadAll(data, 299 * uint64_t{kChunkSize} + 6, 3), std::string("\0n\0", 3));

  // SEEK_DATA / SEEK_HOLE across the direct part and the map.
  uint64_t at = 0;
  ASSERT_TRUE(data.NextData(300 * uint64_t{kChunkSize}, &at));
  EXPECT_EQ(at, far / kChunkSize * kChunkSize);
  EXPECT_EQ(data.NextHole(0), 300 * uint64_t{kChunkSize});
  EXPECT_EQ(data.NextHole(far), far + 3);  // the end of file

  // Punch the far chunk's span and one near span: both become holes, their memory goes.
  uint64_t before = data.allocatedBytes();
  data.Zero(far / kChunkSize * kChunkSize, far / kChunkSize * kChunkSize + kChunkSize, true);
  data.Zero(5 * uint64_t{kChunkSize}, 6 * uint64_t{kChunkSize}, true);
  EXPECT_EQ(data.allocatedBytes(), before - 2 * kChunkGrain);
  EXPECT_EQ(ReadAll(data, far, 3), std::string(3, '\0'));
  EXPECT_EQ(data.NextHole(5 * uint64_t{kChunkSize}), 5 * uint64_t{kChunkSize});
  EXPECT_FALSE(data.NextData(far - 10, &at));

  // Truncating into the direct part frees what lies past the new end, far and near.
  data.Resize(10 * uint64_t{kChunkSize});
  EXPECT_EQ(data.allocatedBytes(), 9 * uint64_t{kChunkGrain});  // spans 0..9 but 5
  data.Resize(far + 10);
  EXPECT_EQ(ReadAll(data, far, 10), std::string(10, '\0'));
  EXPECT_EQ(ReadAll(data, 9 * uint64_t{kChunkSize} + 7, 1), "j");
  data.Resize(0);
  EXPECT_EQ(data.allocatedBytes(), 0u);
  Put(data, "again", 3);
  EXPECT_EQ(ReadAll(data, 0, 8), std::string("\0\0\0again", 8));
}

// Write (backing and storing in one, new buffers not zero-filled first) must leave
// exactly what Back + Store leaves, byte for byte and in accounting. Truncates in between
// free buffers, so later allocations reuse memory that held other bytes: a byte Write
// forgot to fill shows up as garbage.
TEST(FileDataTest, WriteMatchesBackThenStore) {
  FileData reference;
  FileData data;
  std::mt19937 random(7);
  const uint64_t kRange = 6 * uint64_t{kChunkSize};
  for (int i = 0; i < 2000; ++i) {
    if (random() % 8 == 0) {
      uint64_t size = random() % kRange;
      reference.Resize(size);
      data.Resize(size);
      continue;
    }
    // Mostly small writes, sometimes past a chunk, sometimes far (the map's spans).
    uint32_t length = random() % 4 == 0 ? 1 + random() % (3 * kChunkSize) : 1 + random() % 9000;
    uint64_t offset = random() % kRange + (random() % 16 == 0 ? uint64_t{1} << 36 : 0);
    std::string bytes(length, static_cast<char>('a' + i % 26));
    uint64_t growth = data.GrowthNeeded(offset, offset + length);
    ASSERT_EQ(growth, reference.GrowthNeeded(offset, offset + length));
    uint64_t before = data.allocatedBytes();
    Put(reference, bytes, offset);
    data.Write(bytes.data(), length, offset);
    ASSERT_EQ(data.allocatedBytes() - before, growth) << i;
    ASSERT_EQ(data.size(), reference.size()) << i;
    // Whole buffers, past the end of file too: bytes there must be zero in both.
    uint64_t from = offset / kChunkSize * kChunkSize;
    uint32_t span = 4 * kChunkSize;
    FileData* both[] = {&reference, &data};
    std::string seen[2];
    for (int k = 0; k < 2; ++k) {
      both[k]->Resize(std::max(both[k]->size(), from + span));
      seen[k] = ReadAll(*both[k], from, span);
    }
    ASSERT_EQ(seen[0], seen[1]) << i;
  }
}

TEST(FileDataTest, StoreInPlaceOnlyInsideBuffersBelowTheEnd) {
  FileData data;
  Put(data, std::string(100, 'a'), 0);                        // one grain
  Put(data, std::string(10, 'b'), 2 * uint64_t{kChunkSize});  // a hole between
  EXPECT_TRUE(data.CanStoreInPlace(0, 100));
  EXPECT_TRUE(data.CanStoreInPlace(kChunkGrain - 1, kChunkGrain));       // grain tail, below size
  EXPECT_FALSE(data.CanStoreInPlace(kChunkGrain - 1, kChunkGrain + 1));  // past the buffer
  EXPECT_FALSE(data.CanStoreInPlace(kChunkSize, kChunkSize + 1));        // the hole
  EXPECT_FALSE(data.CanStoreInPlace(2 * uint64_t{kChunkSize}, 2 * uint64_t{kChunkSize} + 11));
  EXPECT_FALSE(data.CanStoreInPlace(5, 5));
  uint64_t allocated = data.allocatedBytes();
  data.StoreInPlace("xyz", 3, 98);
  EXPECT_EQ(ReadAll(data, 97, 5), std::string("axyz\0", 5));
  EXPECT_EQ(data.allocatedBytes(), allocated);
  EXPECT_EQ(data.size(), 2 * uint64_t{kChunkSize} + 10);
}

}  // namespace
}  // namespace irpfs::memfs
