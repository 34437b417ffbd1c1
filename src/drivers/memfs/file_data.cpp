#include "drivers/memfs/file_data.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <iterator>
#include <mutex>
#include <span>

#include "drivers/memfs/stripe_locks.h"

namespace irpfs::memfs {

namespace {
// The vector of chunks may reach this many slots whatever the file holds (4 MiB of file),
// plus kDenseSlotsPerChunk per chunk held: a dense file's spans all fit, a sparse file's
// vector costs at most a few slots per chunk.
constexpr uint64_t kDenseBaseSlots = 64;
constexpr uint64_t kDenseSlotsPerChunk = 4;

uint64_t SpanStart(uint64_t index) {
  return index * kChunkSize;
}
// Bytes of span `index` that [.., end) reaches, counted from the span's start.
uint32_t NeededInSpan(uint64_t index, uint64_t end) {
  return static_cast<uint32_t>(std::min<uint64_t>(end - SpanStart(index), kChunkSize));
}
// Where [offset, end) starts in span `index`, counted from the span's start.
uint32_t StartInSpan(uint64_t index, uint64_t offset) {
  return static_cast<uint32_t>(std::max(offset, SpanStart(index)) - SpanStart(index));
}

// Spans a write of 1 MiB (the largest FUSE write) touches at any offset: Write keeps the
// new buffers of that many on the stack, more on the heap.
constexpr uint64_t kInlineSpans = 17;
}  // namespace

uint32_t FileData::GrownCapacity(uint32_t capacity, uint32_t needed) {
  if (needed <= capacity) return capacity;
  uint32_t rounded = (needed + kChunkGrain - 1) / kChunkGrain * kChunkGrain;
  return std::min(kChunkSize, std::max(rounded, capacity * 2));
}

template <class Self, class F>
void FileData::ForEachChunk(Self& self, uint64_t first, uint64_t last, F&& f) {
  uint64_t denseEnd = std::min<uint64_t>(self.dense_.size(), last + 1);
  for (uint64_t index = first; index < denseEnd; ++index) {
    if (self.dense_[index].capacity != 0) f(index, self.dense_[index]);
  }
  for (auto it = self.sparse_.lower_bound(first); it != self.sparse_.end() && it->first <= last;
       ++it) {
    if (it->second.capacity != 0) f(it->first, it->second);
  }
}

const FileData::Chunk* FileData::Find(uint64_t index) const {
  if (index < dense_.size()) {
    const Chunk& chunk = dense_[index];
    return chunk.capacity != 0 ? &chunk : nullptr;
  }
  if (sparse_.empty()) return nullptr;
  auto it = sparse_.find(index);
  return it != sparse_.end() && it->second.capacity != 0 ? &it->second : nullptr;
}

FileData::Chunk& FileData::Existing(uint64_t index) {
  if (index < dense_.size()) return dense_[index];
  auto it = sparse_.find(index);
  assert(it != sparse_.end());
  return it->second;
}

FileData::Chunk& FileData::Slot(uint64_t index) {
  if (index < dense_.size()) return dense_[index];
  uint64_t bound = kDenseBaseSlots + kDenseSlotsPerChunk * chunks_;
  if (index >= bound) return sparse_[index];
  // Grow the vector geometrically (within the bound) and take in the map's spans it
  // now covers: they are the map's first entries.
  uint64_t slots = std::min(bound, std::max(index + 1, 2 * uint64_t{dense_.size()}));
  dense_.resize(slots);
  auto it = sparse_.begin();
  for (; it != sparse_.end() && it->first < slots; ++it) dense_[it->first] = std::move(it->second);
  sparse_.erase(sparse_.begin(), it);
  return dense_[index];
}

void FileData::Free(Chunk& chunk) {
  if (chunk.capacity == 0) return;
  allocated_ -= chunk.capacity;
  --chunks_;
  chunk.bytes.reset();
  chunk.capacity = 0;
}

void FileData::DropEmptyMapEntries(uint64_t first, uint64_t last) {
  for (auto it = sparse_.lower_bound(first); it != sparse_.end() && it->first <= last;) {
    it = it->second.capacity == 0 ? sparse_.erase(it) : std::next(it);
  }
}

uint32_t FileData::Read(void* out, uint32_t length, uint64_t offset) const {
  if (offset >= size_) return 0;
  uint64_t end = std::min<uint64_t>(size_, offset + length);
  auto* dst = static_cast<std::byte*>(out);
  for (uint64_t pos = offset; pos < end;) {
    uint64_t index = pos / kChunkSize;
    uint32_t inSpan = static_cast<uint32_t>(pos - SpanStart(index));
    uint32_t count = static_cast<uint32_t>(std::min(end, SpanStart(index + 1)) - pos);
    const Chunk* chunk = Find(index);
    uint32_t stored = 0;
    if (chunk != nullptr && inSpan < chunk->capacity) {
      stored = std::min(count, chunk->capacity - inSpan);
      std::lock_guard stripe(StripeLock(chunk->bytes.get()));
      std::memcpy(dst, chunk->bytes.get() + inSpan, stored);
    }
    std::memset(dst + stored, 0, count - stored);
    dst += count;
    pos += count;
  }
  return static_cast<uint32_t>(end - offset);
}

uint64_t FileData::GrowthNeeded(uint64_t offset, uint64_t end) const {
  if (offset >= end) return 0;
  uint64_t first = offset / kChunkSize;
  uint64_t last = (end - 1) / kChunkSize;
  uint64_t growth = 0;
  uint64_t present = 0;
  bool lastPresent = false;
  ForEachChunk(*this, first, last, [&](uint64_t index, const Chunk& chunk) {
    growth += GrownCapacity(chunk.capacity, NeededInSpan(index, end)) - chunk.capacity;
    ++present;
    lastPresent = lastPresent || index == last;
  });
  // Spans without a chunk, counted without visiting them: a huge range is cheap to price.
  uint64_t absent = last - first + 1 - present;
  if (absent == 0) return growth;
  if (!lastPresent) {
    growth += GrownCapacity(0, NeededInSpan(last, end));
    --absent;
  }
  return growth + absent * kChunkSize;
}

void FileData::Back(uint64_t offset, uint64_t end) {
  if (offset >= end) return;
  uint64_t last = (end - 1) / kChunkSize;
  for (uint64_t index = offset / kChunkSize; index <= last; ++index) {
    Chunk& chunk = Slot(index);
    uint32_t grown = GrownCapacity(chunk.capacity, NeededInSpan(index, end));
    if (grown == chunk.capacity) continue;
    auto bytes = std::make_unique<std::byte[]>(grown);  // zero-filled
    if (chunk.capacity != 0) {
      std::memcpy(bytes.get(), chunk.bytes.get(), chunk.capacity);
    } else {
      ++chunks_;
    }
    chunk.bytes = std::move(bytes);
    allocated_ += grown - chunk.capacity;
    chunk.capacity = grown;
  }
}

void FileData::Store(const void* data, uint32_t length, uint64_t offset) {
  CopyIntoBuffers(data, length, offset);
  size_ = std::max(size_, offset + length);
}

void FileData::Write(const void* data, uint32_t length, uint64_t offset) {
  if (length == 0) return;
  uint64_t end = offset + length;
  uint64_t first = offset / kChunkSize;
  uint64_t spans = (end - 1) / kChunkSize - first + 1;

  // 1. Everything that can throw: the slots, then the new buffers. A slot without a
  //    buffer is a hole, so a throw here leaves the content as it was.
  for (uint64_t i = 0; i < spans; ++i) Slot(first + i);
  std::array<std::unique_ptr<std::byte[]>, kInlineSpans> inlineBuffers;
  std::vector<std::unique_ptr<std::byte[]>> heapBuffers;
  std::span<std::unique_ptr<std::byte[]>> fresh(inlineBuffers.data(), spans);
  if (spans > kInlineSpans) {
    heapBuffers.resize(spans);
    fresh = heapBuffers;
  }
  for (uint64_t i = 0; i < spans; ++i) {
    const Chunk& chunk = Existing(first + i);
    uint32_t grown = GrownCapacity(chunk.capacity, NeededInSpan(first + i, end));
    // Not zero-filled: step 2 writes every byte of it.
    if (grown != chunk.capacity) fresh[i] = std::make_unique_for_overwrite<std::byte[]>(grown);
  }

  // 2. Nothing below throws. A new buffer gets, byte for byte, the data where the write
  //    covers it, else the old buffer's byte, else zero.
  const auto* src = static_cast<const std::byte*>(data);
  for (uint64_t i = 0; i < spans; ++i) {
    uint64_t index = first + i;
    Chunk& chunk = Existing(index);
    uint32_t from = StartInSpan(index, offset);
    uint32_t to = NeededInSpan(index, end);
    const std::byte* payload = src + (SpanStart(index) + from - offset);
    if (!fresh[i]) {
      std::memcpy(chunk.bytes.get() + from, payload, to - from);
      continue;
    }
    uint32_t grown = GrownCapacity(chunk.capacity, to);
    std::byte* bytes = fresh[i].get();
    const std::byte* old = chunk.bytes.get();
    uint32_t oldHead = std::min(from, chunk.capacity);
    if (oldHead != 0) std::memcpy(bytes, old, oldHead);
    std::memset(bytes + oldHead, 0, from - oldHead);
    std::memcpy(bytes + from, payload, to - from);
    if (chunk.capacity > to) std::memcpy(bytes + to, old + to, chunk.capacity - to);
    uint32_t zeroFrom = std::max(to, chunk.capacity);
    std::memset(bytes + zeroFrom, 0, grown - zeroFrom);
    if (chunk.capacity == 0) ++chunks_;
    allocated_ += grown - chunk.capacity;
    chunk.bytes = std::move(fresh[i]);
    chunk.capacity = grown;
  }
  size_ = std::max(size_, end);
}

bool FileData::CanStoreInPlace(uint64_t offset, uint64_t end) const {
  if (offset >= end || end > size_) return false;
  uint64_t last = (end - 1) / kChunkSize;
  for (uint64_t index = offset / kChunkSize; index <= last; ++index) {
    const Chunk* chunk = Find(index);
    if (chunk == nullptr || chunk->capacity < NeededInSpan(index, end)) return false;
  }
  return true;
}

void FileData::StoreInPlace(const void* data, uint32_t length, uint64_t offset) {
  CopyIntoBuffers(data, length, offset);
}

// Each chunk's piece is copied under that chunk's stripe: needed for StoreInPlace (readers
// run alongside), uncontended for Store (its caller holds the node lock exclusively).
void FileData::CopyIntoBuffers(const void* data, uint32_t length, uint64_t offset) {
  const auto* src = static_cast<const std::byte*>(data);
  uint64_t end = offset + length;
  for (uint64_t pos = offset; pos < end;) {
    uint64_t index = pos / kChunkSize;
    Chunk* chunk = Find(index);
    uint32_t inSpan = static_cast<uint32_t>(pos - SpanStart(index));
    uint32_t count = static_cast<uint32_t>(std::min(end, SpanStart(index + 1)) - pos);
    assert(chunk != nullptr && inSpan + count <= chunk->capacity);
    {
      std::lock_guard stripe(StripeLock(chunk->bytes.get()));
      std::memcpy(chunk->bytes.get() + inSpan, src, count);
    }
    src += count;
    pos += count;
  }
}

void FileData::Resize(uint64_t newSize) {
  if (newSize < size_) {
    uint64_t firstDead = (newSize + kChunkSize - 1) / kChunkSize;
    if (firstDead < dense_.size()) {
      for (uint64_t index = firstDead; index < dense_.size(); ++index) Free(dense_[index]);
      dense_.resize(firstDead);
      if (dense_.empty()) dense_.shrink_to_fit();
    }
    for (auto it = sparse_.lower_bound(firstDead); it != sparse_.end();) {
      Free(it->second);
      it = sparse_.erase(it);
    }
    // Zero the tail of the last chunk, and anything preallocated past the old end.
    Zero(newSize, SpanStart(firstDead), /*freeWholeChunks=*/false);
  }
  size_ = newSize;
}

void FileData::Zero(uint64_t offset, uint64_t end, bool freeWholeChunks) {
  if (offset >= end) return;
  uint64_t first = offset / kChunkSize;
  uint64_t last = (end - 1) / kChunkSize;
  ForEachChunk(*this, first, last, [&](uint64_t index, Chunk& chunk) {
    uint64_t spanStart = SpanStart(index);
    uint64_t from = std::max(offset, spanStart) - spanStart;
    uint64_t to = std::min<uint64_t>(end - spanStart, kChunkSize);
    if (freeWholeChunks && from == 0 && to == kChunkSize) {
      Free(chunk);
    } else if (from < chunk.capacity) {
      uint64_t stop = std::min<uint64_t>(to, chunk.capacity);
      std::memset(chunk.bytes.get() + from, 0, stop - from);
    }
  });
  if (freeWholeChunks) DropEmptyMapEntries(first, last);
}

bool FileData::NextData(uint64_t from, uint64_t* at) const {
  if (from >= size_) return false;
  uint64_t first = from / kChunkSize;
  uint64_t found = UINT64_MAX;
  for (uint64_t index = first; index < dense_.size() && found == UINT64_MAX; ++index) {
    if (dense_[index].capacity != 0) found = index;
  }
  for (auto it = sparse_.lower_bound(first); it != sparse_.end() && found == UINT64_MAX; ++it) {
    if (it->second.capacity != 0) found = it->first;
  }
  if (found == UINT64_MAX) return false;
  uint64_t start = std::max(from, SpanStart(found));
  if (start >= size_) return false;
  *at = start;
  return true;
}

uint64_t FileData::NextHole(uint64_t from) const {
  uint64_t index = from / kChunkSize;
  if (Find(index) == nullptr) return from;
  while (Find(index) != nullptr) ++index;
  return std::min(SpanStart(index), size_);
}

}  // namespace irpfs::memfs
