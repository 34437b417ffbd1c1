// The bytes of one regular file, stored sparsely.
//
// The file is cut into spans of kChunkSize bytes. Only spans that were written (or
// preallocated) have a chunk, so a hole costs nothing. A chunk's buffer covers the first
// `capacity` bytes of its span and grows in kChunkGrain steps, so a small file costs one
// grain, not one span. Bytes past a chunk's buffer and spans without a chunk read as
// zeros.
//
// Where the chunks are: the spans from 0 up to a bound are a vector indexed by span (one
// load finds a chunk: a 4 KiB read or write is on every request's path, and a tree walk
// there was a chain of cache misses); the spans past it are a map keyed by span index. The
// vector only grows while it stays within a few slots per chunk actually held, so a file
// with a byte at 1 TiB is a map entry, not millions of empty slots.
//
// Invariant: every stored byte at or past size() is zero. Extending the file (truncate up,
// a write past the end) therefore exposes zeros without touching memory, and shrinking
// must zero what it leaves past the new end.
//
// Threads: the owning node's mutex guards it (node.h). Holding it exclusively allows
// everything; holding it shared allows the const members and StoreInPlace, which change
// bytes only, never the chunks, the size or the accounting. Read and StoreInPlace hold a
// chunk's stripe (stripe_locks.h) while they copy its bytes, so each chunk-sized piece
// of a read sees a concurrent in-place write whole or not at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace irpfs::memfs {

inline constexpr uint32_t kChunkSize = 64 * 1024;
inline constexpr uint32_t kChunkGrain = 4 * 1024;
// Largest end of file: offsets stay representable as off_t.
inline constexpr uint64_t kMaxFileSize = INT64_MAX;

class FileData {
 public:
  uint64_t size() const { return size_; }
  // Memory held by chunk buffers (what the volume's capacity is charged for).
  uint64_t allocatedBytes() const { return allocated_; }

  // Copies [offset, offset + length), clipped at size(), into `out`. Returns the bytes
  // copied (0 at or past the end). Allocates nothing.
  uint32_t Read(void* out, uint32_t length, uint64_t offset) const;

  // Buffer memory that Back(offset, end) would add. Lets the caller charge the capacity
  // before anything changes.
  uint64_t GrowthNeeded(uint64_t offset, uint64_t end) const;
  // Gives [offset, end) buffers, exactly GrowthNeeded(offset, end) bytes more. The content
  // stays the same, also when an allocation throws half way.
  void Back(uint64_t offset, uint64_t end);
  // Copies `length` bytes to `offset`, which Back must have covered; extends size().
  void Store(const void* data, uint32_t length, uint64_t offset);
  // Back(offset, offset + length) and Store in one, without zero-filling the parts of new
  // buffers that the data covers. Adds exactly GrowthNeeded bytes; throws std::bad_alloc
  // with nothing changed (every buffer is allocated before any byte moves).
  void Write(const void* data, uint32_t length, uint64_t offset);

  // Whether [offset, end) lies below size() and inside chunk buffers: a write there
  // needs no new memory and changes no size (StoreInPlace).
  bool CanStoreInPlace(uint64_t offset, uint64_t end) const;
  // Copies `length` bytes to `offset`, for which CanStoreInPlace holds, chunk by chunk
  // under each chunk's stripe. Safe under the node's lock held shared.
  void StoreInPlace(const void* data, uint32_t length, uint64_t offset);

  // Sets the end of file. Shrinking frees the chunks past the new end and zeros the rest
  // of the last one.
  void Resize(uint64_t newSize);
  // Zeros [offset, end) inside existing buffers; frees chunks whose whole span is inside
  // when `freeWholeChunks`. The size does not change.
  void Zero(uint64_t offset, uint64_t end, bool freeWholeChunks);

  // SEEK_DATA at chunk granularity: the first offset >= from inside a chunk, or false
  // when there is none before the end of file.
  bool NextData(uint64_t from, uint64_t* at) const;
  // SEEK_HOLE at chunk granularity: the first offset >= from outside any chunk, or the
  // end of file. `from` must be below size().
  uint64_t NextHole(uint64_t from) const;

 private:
  struct Chunk {
    std::unique_ptr<std::byte[]> bytes;
    uint32_t capacity = 0;  // 0: no buffer, the span is a hole
  };

  // Copies into buffers that already cover [offset, offset + length) (Store, StoreInPlace).
  void CopyIntoBuffers(const void* data, uint32_t length, uint64_t offset);

  // The buffer size a chunk of `capacity` bytes grows to so that it covers `needed`
  // bytes of its span. Doubles (up to the span) so appends copy amortized O(1).
  static uint32_t GrownCapacity(uint32_t capacity, uint32_t needed);
  // Calls f(index, chunk) for each chunk with a buffer in spans [first, last], in order.
  template <class Self, class F>
  static void ForEachChunk(Self& self, uint64_t first, uint64_t last, F&& f);

  // The chunk of span `index`, or nullptr for a hole.
  const Chunk* Find(uint64_t index) const;
  Chunk* Find(uint64_t index) {
    return const_cast<Chunk*>(static_cast<const FileData*>(this)->Find(index));
  }
  // The chunk of span `index`, made empty if there is none. May move the vector's chunks.
  Chunk& Slot(uint64_t index);
  // The chunk of span `index`, which Slot made before. Allocates nothing.
  Chunk& Existing(uint64_t index);
  // Drops a chunk's buffer; the span becomes a hole.
  void Free(Chunk& chunk);
  // Removes the map's empty entries in spans [first, last].
  void DropEmptyMapEntries(uint64_t first, uint64_t last);

  std::vector<Chunk> dense_;          // spans [0, dense_.size())
  std::map<uint64_t, Chunk> sparse_;  // spans >= dense_.size()
  uint64_t chunks_ = 0;               // chunks with a buffer
  uint64_t size_ = 0;
  uint64_t allocated_ = 0;
};

}  // namespace irpfs::memfs
