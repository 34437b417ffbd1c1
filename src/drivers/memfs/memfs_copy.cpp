// CopyRange (copy_file_range): the bytes move from one node's chunks to another's under
// both node locks, so a reader never sees half a copy, and a hole of the source (a span
// without a chunk) becomes a hole of the destination instead of zeros in memory.
#include <algorithm>
#include <cassert>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "drivers/memfs/memfs.h"

namespace irpfs::memfs {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

// A run of the source that holds data (chunk granularity, as SEEK_DATA/SEEK_HOLE see it).
struct DataRun {
  uint64_t begin;
  uint64_t end;
};

// The data runs of [from, to) in `data`, which ends at or before its size.
std::vector<DataRun> DataRuns(const FileData& data, uint64_t from, uint64_t to) {
  std::vector<DataRun> runs;
  uint64_t at = from;
  while (at < to) {
    uint64_t begin;
    if (!data.NextData(at, &begin) || begin >= to) break;
    uint64_t end = std::min(data.NextHole(begin), to);
    runs.push_back({begin, end});
    at = end;
  }
  return runs;
}

// Locks one node (a copy within one file) or two in inode-number order: the source
// shared, the destination exclusive.
class CopyLocks {
 public:
  CopyLocks(Node* src, Node* dst) {
    if (src == dst) {
      dst_ = std::unique_lock(dst->mutex);
    } else if (src->id < dst->id) {
      src_ = std::shared_lock(src->mutex);
      dst_ = std::unique_lock(dst->mutex);
    } else {
      dst_ = std::unique_lock(dst->mutex);
      src_ = std::shared_lock(src->mutex);
    }
  }

 private:
  std::shared_lock<std::shared_mutex> src_;
  std::unique_lock<std::shared_mutex> dst_;
};

}  // namespace

NtStatus MemFs::CopyRange(const OperationContext& ctx, NodeRef srcRef, void*, uint64_t srcOffset,
                          NodeRef dstRef, void*, uint64_t dstOffset, uint64_t length,
                          uint64_t* copied) {
  *copied = 0;
  Node* src = NodeOf(srcRef);
  Node* dst = NodeOf(dstRef);
  if (src->isDirectory() || dst->isDirectory()) return NtStatus::FileIsADirectory;
  if (!src->isRegular() || !dst->isRegular()) return NtStatus::InvalidParameter;
  if (srcOffset > kMaxFileSize || dstOffset > kMaxFileSize) return NtStatus::InvalidParameter;
  // One bounce buffer per call, taken before anything changes. Copying through it keeps
  // FileData's interface to Read and Store, whose bounds checks stay in one place.
  std::unique_ptr<std::byte[]> bounce(new (std::nothrow) std::byte[kChunkSize]);
  if (!bounce) return NtStatus::InsufficientResources;

  CopyLocks locks(src, dst);
  uint64_t srcSize = src->data.size();
  if (srcOffset >= srcSize || length == 0) return NtStatus::Success;
  length = std::min(length, srcSize - srcOffset);
  if (length > kMaxFileSize - dstOffset) return NtStatus::FileTooLarge;
  uint64_t srcEnd = srcOffset + length;
  // Checked again here because memfs may be called directly: within one file the ranges
  // must not overlap (what is read would depend on the order of the chunks).
  if (src == dst && srcOffset < dstOffset + length && dstOffset < srcEnd) {
    return NtStatus::InvalidParameter;
  }
  auto toDst = [&](uint64_t srcPos) { return srcPos - srcOffset + dstOffset; };

  std::vector<DataRun> runs;
  try {
    runs = DataRuns(src->data, srcOffset, srcEnd);
  } catch (const std::bad_alloc&) {
    return NtStatus::InsufficientResources;
  }
  // Charge the whole copy before changing anything, so that DISK_FULL leaves both files
  // as they were. Runs are separated by at least one whole hole span, so their targets
  // never share a chunk and the sum is exact.
  uint64_t growth = 0;
  for (const DataRun& run : runs) {
    growth += dst->data.GrowthNeeded(toDst(run.begin), toDst(run.end));
  }
  if (!capacity_.TryChargeBytes(growth)) return NtStatus::DiskFull;
  uint64_t allocatedBefore = dst->data.allocatedBytes();
  try {
    for (const DataRun& run : runs) dst->data.Back(toDst(run.begin), toDst(run.end));
  } catch (...) {
    // Backing keeps the content; keep the charge for what was allocated, nothing else.
    capacity_.ReleaseBytes(growth - (dst->data.allocatedBytes() - allocatedBefore));
    return NtStatus::InsufficientResources;
  }
  assert(dst->data.allocatedBytes() - allocatedBefore == growth);

  // The destination's part facing a source hole reads as zeros afterwards: zero it,
  // freeing whole chunks, so that a hole stays a hole.
  auto zeroGap = [&](uint64_t from, uint64_t to) {
    if (from >= to) return;
    uint64_t before = dst->data.allocatedBytes();
    dst->data.Zero(toDst(from), toDst(to), /*freeWholeChunks=*/true);
    capacity_.ReleaseBytes(before - dst->data.allocatedBytes());
  };
  uint64_t at = srcOffset;
  for (const DataRun& run : runs) {
    zeroGap(at, run.begin);
    for (uint64_t pos = run.begin; pos < run.end;) {
      auto piece = static_cast<uint32_t>(std::min<uint64_t>(kChunkSize, run.end - pos));
      uint32_t got = src->data.Read(bounce.get(), piece, pos);
      assert(got == piece);  // the run lies below the source's end of file
      dst->data.Store(bounce.get(), got, toDst(pos));
      pos += piece;
    }
    at = run.end;
  }
  zeroGap(at, srcEnd);
  uint64_t dstEnd = dstOffset + length;
  if (dstEnd > dst->data.size()) dst->data.Resize(dstEnd);
  dst->TouchModified(Now());
  DropPrivileges(dst, ctx);
  *copied = length;
  return NtStatus::Success;
}

}  // namespace irpfs::memfs
