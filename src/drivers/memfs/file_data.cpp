#include "drivers/memfs/file_data.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace irpfs::memfs {

namespace {
uint64_t SpanStart(uint64_t index) {
  return index * kChunkSize;
}
// Bytes of span `index` that [.., end) reaches, counted from the span's start.
uint32_t NeededInSpan(uint64_t index, uint64_t end) {
  return static_cast<uint32_t>(std::min<uint64_t>(end - SpanStart(index), kChunkSize));
}
}  // namespace

uint32_t FileData::GrownCapacity(uint32_t capacity, uint32_t needed) {
  if (needed <= capacity) return capacity;
  uint32_t rounded = (needed + kChunkGrain - 1) / kChunkGrain * kChunkGrain;
  return std::min(kChunkSize, std::max(rounded, capacity * 2));
}

uint32_t FileData::Read(void* out, uint32_t length, uint64_t offset) const {
  if (offset >= size_) return 0;
  uint64_t end = std::min<uint64_t>(size_, offset + length);
  auto* dst = static_cast<std::byte*>(out);
  uint64_t pos = offset;
  auto it = chunks_.lower_bound(pos / kChunkSize);
  while (pos < end) {
    uint64_t index = pos / kChunkSize;
    if (it == chunks_.end() || it->first != index) {
      // A hole, up to the next chunk or the end of the request.
      uint64_t holeEnd = it == chunks_.end() ? end : std::min(end, SpanStart(it->first));
      std::memset(dst, 0, holeEnd - pos);
      dst += holeEnd - pos;
      pos = holeEnd;
      continue;
    }
    uint32_t inSpan = static_cast<uint32_t>(pos - SpanStart(index));
    uint32_t count = static_cast<uint32_t>(std::min(end, SpanStart(index + 1)) - pos);
    const Chunk& chunk = it->second;
    uint32_t stored = inSpan < chunk.capacity ? std::min(count, chunk.capacity - inSpan) : 0;
    std::memcpy(dst, chunk.bytes.get() + inSpan, stored);
    std::memset(dst + stored, 0, count - stored);
    dst += count;
    pos += count;
    ++it;
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
  for (auto it = chunks_.lower_bound(first); it != chunks_.end() && it->first <= last; ++it) {
    const Chunk& chunk = it->second;
    growth += GrownCapacity(chunk.capacity, NeededInSpan(it->first, end)) - chunk.capacity;
    ++present;
    lastPresent = lastPresent || it->first == last;
  }
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
    Chunk& chunk = chunks_[index];
    uint32_t grown = GrownCapacity(chunk.capacity, NeededInSpan(index, end));
    if (grown == chunk.capacity) continue;
    auto bytes = std::make_unique<std::byte[]>(grown);  // zero-filled
    if (chunk.capacity) std::memcpy(bytes.get(), chunk.bytes.get(), chunk.capacity);
    chunk.bytes = std::move(bytes);
    allocated_ += grown - chunk.capacity;
    chunk.capacity = grown;
  }
}

void FileData::Store(const void* data, uint32_t length, uint64_t offset) {
  const auto* src = static_cast<const std::byte*>(data);
  uint64_t end = offset + length;
  uint64_t pos = offset;
  auto it = chunks_.find(pos / kChunkSize);
  while (pos < end) {
    assert(it != chunks_.end() && it->first == pos / kChunkSize);
    uint32_t inSpan = static_cast<uint32_t>(pos - SpanStart(it->first));
    uint32_t count = static_cast<uint32_t>(std::min(end, SpanStart(it->first + 1)) - pos);
    assert(inSpan + count <= it->second.capacity);
    std::memcpy(it->second.bytes.get() + inSpan, src, count);
    src += count;
    pos += count;
    ++it;
  }
  size_ = std::max(size_, end);
}

void FileData::Resize(uint64_t newSize) {
  if (newSize < size_) {
    uint64_t firstDead = (newSize + kChunkSize - 1) / kChunkSize;
    for (auto it = chunks_.lower_bound(firstDead); it != chunks_.end();) {
      allocated_ -= it->second.capacity;
      it = chunks_.erase(it);
    }
    // Zero the tail of the last chunk, and anything preallocated past the old end.
    Zero(newSize, SpanStart(firstDead), /*freeWholeChunks=*/false);
  }
  size_ = newSize;
}

void FileData::Zero(uint64_t offset, uint64_t end, bool freeWholeChunks) {
  if (offset >= end) return;
  uint64_t last = (end - 1) / kChunkSize;
  for (auto it = chunks_.lower_bound(offset / kChunkSize);
       it != chunks_.end() && it->first <= last;) {
    uint64_t spanStart = SpanStart(it->first);
    uint64_t from = std::max(offset, spanStart) - spanStart;
    uint64_t to = std::min<uint64_t>(end - spanStart, kChunkSize);
    Chunk& chunk = it->second;
    if (freeWholeChunks && from == 0 && to == kChunkSize) {
      allocated_ -= chunk.capacity;
      it = chunks_.erase(it);
      continue;
    }
    if (from < chunk.capacity) {
      uint64_t stop = std::min<uint64_t>(to, chunk.capacity);
      std::memset(chunk.bytes.get() + from, 0, stop - from);
    }
    ++it;
  }
}

bool FileData::NextData(uint64_t from, uint64_t* at) const {
  if (from >= size_) return false;
  auto it = chunks_.lower_bound(from / kChunkSize);
  if (it == chunks_.end()) return false;
  uint64_t start = std::max(from, SpanStart(it->first));
  if (start >= size_) return false;
  *at = start;
  return true;
}

uint64_t FileData::NextHole(uint64_t from) const {
  uint64_t index = from / kChunkSize;
  auto it = chunks_.find(index);
  if (it == chunks_.end()) return from;
  while (it != chunks_.end() && it->first == index) {
    ++it;
    ++index;
  }
  return std::min(SpanStart(index), size_);
}

}  // namespace irpfs::memfs
