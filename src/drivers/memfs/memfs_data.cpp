// File data: read, write, fallocate, SEEK_DATA/SEEK_HOLE.
#include <cassert>
#include <mutex>
#include <shared_mutex>

#include "drivers/memfs/memfs.h"

namespace irpfs::memfs {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

// <linux/falloc.h>
constexpr uint32_t kFallocKeepSize = 0x01;
constexpr uint32_t kFallocPunchHole = 0x02;
constexpr uint32_t kFallocZeroRange = 0x10;

constexpr uint32_t kSeekData = 3;
constexpr uint32_t kSeekHole = 4;

NtStatus CheckRegular(const Node* node) {
  if (node->isDirectory()) return NtStatus::FileIsADirectory;
  if (!node->isRegular()) return NtStatus::InvalidDeviceRequest;
  return NtStatus::Success;
}

// The end of [offset, offset + length), or false past the largest file.
bool RangeEnd(uint64_t offset, uint64_t length, uint64_t* end) {
  if (offset > kMaxFileSize || length > kMaxFileSize - offset) return false;
  *end = offset + length;
  return true;
}

constexpr std::string_view kCapabilities = "security.capability";

// Whether the writer holds CAP_FSETID: as the sender says, else taken from uid 0.
bool WriterKeepsSetIdBits(const OperationContext& ctx) {
  switch (ctx.setIdOnWrite) {
    case fsclass::SetIdOnWrite::kKeep:
      return true;
    case fsclass::SetIdOnWrite::kDrop:
      return false;  // even root, when the kernel found CAP_FSETID missing
    case fsclass::SetIdOnWrite::kByRequestor:
      break;
  }
  return ctx.requestor.uid == 0;
}

}  // namespace

// Whether DropPrivileges would change anything for this write. Caller holds node->mutex
// (shared is enough).
bool MemFs::HasPrivilegesToDrop(const Node* node, const OperationContext& ctx) {
  if (node->xattrs.Find(kCapabilities) != nullptr) return true;
  if (WriterKeepsSetIdBits(ctx)) return false;
  if (node->mode & S_ISUID) return true;
  return (node->mode & S_ISGID) && ((node->mode & S_IXGRP) || ctx.requestor.gid != node->gid);
}

void MemFs::DropFileCapabilities(Node* node) {
  if (const std::string* caps = node->xattrs.Find(kCapabilities)) {
    uint64_t cost = XattrSet::Cost(kCapabilities, caps->size());
    node->xattrs.Erase(kCapabilities);
    capacity_.ReleaseBytes(cost);
  }
}

void MemFs::DropPrivileges(Node* node, const OperationContext& ctx) {
  DropFileCapabilities(node);  // whoever writes, as the kernel's file_remove_privs
  if (WriterKeepsSetIdBits(ctx)) return;
  const Requestor& requestor = ctx.requestor;
  uint32_t before = node->mode;
  node->mode &= ~S_ISUID;
  // Without group execute S_ISGID marks mandatory locking, not set-group-ID; Linux still
  // drops it for a writer outside the file's group (supplementary groups are not known
  // here: a member only through one loses the bit too).
  if ((node->mode & S_IXGRP) || requestor.gid != node->gid) node->mode &= ~S_ISGID;
  if (node->mode != before) ctx.ReportAttributesChanged();
}

// Caller holds node->mutex exclusively. Backs [offset, end) with memory, charged against
// the capacity first: on STATUS_DISK_FULL nothing changed.
NtStatus MemFs::BackRange(Node* node, uint64_t offset, uint64_t end) {
  uint64_t growth = node->data.GrowthNeeded(offset, end);
  if (!capacity_.TryChargeBytes(growth)) return NtStatus::DiskFull;
  uint64_t before = node->data.allocatedBytes();
  try {
    node->data.Back(offset, end);
  } catch (...) {
    // The content is unchanged; keep the charge for what was allocated.
    capacity_.ReleaseBytes(growth - (node->data.allocatedBytes() - before));
    return NtStatus::InsufficientResources;
  }
  assert(node->data.allocatedBytes() - before == growth);
  return NtStatus::Success;
}

NtStatus MemFs::Read(const OperationContext&, NodeRef nodeRef, void*, void* buffer, uint32_t length,
                     uint64_t offset, uint32_t* bytesRead) {
  Node* node = NodeOf(nodeRef);
  *bytesRead = 0;
  if (NtStatus s = CheckRegular(node); !NtSuccess(s)) return s;
  std::shared_lock lock(node->mutex);
  *bytesRead = node->data.Read(buffer, length, offset);
  return NtStatus::Success;
}

// Two paths. A write inside the file's existing chunks (the steady state of a database
// or of fio's random writes) changes bytes and times only: it runs under the node lock
// held shared, so writers to different places of one file copy at once, and each chunk's
// copy holds that chunk's stripe, so a read sees each chunk-sized piece of it whole or
// not at all (as Linux does per page). Anything else (growth, new chunks, appends, a
// set-ID bit or file capability to drop) takes the node lock exclusively, and is atomic as a whole.
NtStatus MemFs::Write(const OperationContext& ctx, NodeRef nodeRef, void*, const void* buffer,
                      uint32_t length, uint64_t offset, bool append, uint32_t* bytesWritten,
                      uint64_t* writeOffset) {
  Node* node = NodeOf(nodeRef);
  *bytesWritten = 0;
  if (NtStatus s = CheckRegular(node); !NtSuccess(s)) return s;
  uint64_t end;
  if (!append && length != 0 && RangeEnd(offset, length, &end)) {
    std::shared_lock lock(node->mutex);
    if (node->data.CanStoreInPlace(offset, end) && !HasPrivilegesToDrop(node, ctx)) {
      node->data.StoreInPlace(buffer, length, offset);
      node->TouchModifiedInPlace();
      if (writeOffset) *writeOffset = offset;
      *bytesWritten = length;
      return NtStatus::Success;
    }
  }

  std::unique_lock lock(node->mutex);
  if (append) offset = node->data.size();
  if (writeOffset) *writeOffset = offset;
  if (length == 0) return NtStatus::Success;
  if (!RangeEnd(offset, length, &end)) return NtStatus::FileTooLarge;
  // Charged before anything changes: on STATUS_DISK_FULL the file is as it was.
  uint64_t growth = node->data.GrowthNeeded(offset, end);
  if (!capacity_.TryChargeBytes(growth)) return NtStatus::DiskFull;
  [[maybe_unused]] uint64_t before = node->data.allocatedBytes();
  try {
    node->data.Write(buffer, length, offset);
  } catch (...) {
    capacity_.ReleaseBytes(growth);  // FileData::Write allocated nothing it kept
    return NtStatus::InsufficientResources;
  }
  assert(node->data.allocatedBytes() - before == growth);
  node->TouchModified(Now());
  DropPrivileges(node, ctx);
  *bytesWritten = length;
  return NtStatus::Success;
}

NtStatus MemFs::Allocate(const OperationContext& ctx, NodeRef nodeRef, void*, uint64_t offset,
                         uint64_t length, uint32_t mode) {
  Node* node = NodeOf(nodeRef);
  if (mode & ~(kFallocKeepSize | kFallocPunchHole | kFallocZeroRange)) {
    return NtStatus::NotSupported;
  }
  bool punch = mode & kFallocPunchHole;
  bool zero = mode & kFallocZeroRange;
  bool keepSize = mode & kFallocKeepSize;
  // As vfs_fallocate: a hole is punched inside the file only, and not with zero range.
  if (punch && (zero || !keepSize)) return NtStatus::NotSupported;
  if (length == 0) return NtStatus::InvalidParameter;
  uint64_t end;
  if (!RangeEnd(offset, length, &end)) return NtStatus::FileTooLarge;
  if (NtStatus s = CheckRegular(node); !NtSuccess(s)) return s;

  std::unique_lock lock(node->mutex);
  if (punch) {
    uint64_t before = node->data.allocatedBytes();
    node->data.Zero(offset, end, /*freeWholeChunks=*/true);
    capacity_.ReleaseBytes(before - node->data.allocatedBytes());
  } else {
    if (NtStatus s = BackRange(node, offset, end); !NtSuccess(s)) return s;
    if (zero) node->data.Zero(offset, end, /*freeWholeChunks=*/false);
    if (!keepSize && end > node->data.size()) node->data.Resize(end);
  }
  node->TouchModified(Now());
  // As Linux's file systems do on every fallocate (file_modified).
  DropPrivileges(node, ctx);
  return NtStatus::Success;
}

NtStatus MemFs::SeekData(const OperationContext&, NodeRef nodeRef, uint32_t whence,
                         uint64_t* offset) {
  Node* node = NodeOf(nodeRef);
  if (whence != kSeekData && whence != kSeekHole) return NtStatus::InvalidParameter;
  if (!node->isRegular()) return NtStatus::InvalidParameter;
  std::shared_lock lock(node->mutex);
  if (*offset >= node->data.size()) return NtStatus::NoDataDetected;
  if (whence == kSeekHole) {
    *offset = node->data.NextHole(*offset);
    return NtStatus::Success;
  }
  uint64_t at;
  if (!node->data.NextData(*offset, &at)) return NtStatus::NoDataDetected;
  *offset = at;
  return NtStatus::Success;
}

}  // namespace irpfs::memfs
