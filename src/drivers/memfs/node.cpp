#include "drivers/memfs/node.h"

#include <time.h>

#include <mutex>

#include "core/irp_codes.h"
#include "drivers/memfs/directory.h"
#include "drivers/memfs/stripe_locks.h"

namespace irpfs::memfs {

FileTimeSpec Now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return FileTimeSpec{ts.tv_sec, static_cast<uint32_t>(ts.tv_nsec)};
}

Node::Node(uint64_t id, uint32_t mode, Capacity* capacity)
    : id(id), type(mode & S_IFMT), mode(mode), capacity_(capacity) {}

Node::~Node() {
  capacity_->ReleaseBytes(data.allocatedBytes() + xattrs.chargedBytes() + symlinkTarget.size());
  capacity_->ReleaseInode();
}

void Node::Release() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

void Node::FillStat(FileStat* stat) const {
  stat->fileId = id;
  stat->generation = 0;
  stat->mode = mode;
  stat->nlink = nlink;
  stat->uid = uid;
  stat->gid = gid;
  stat->rdev = rdev;
  stat->atime = atime;
  {
    std::lock_guard times(StripeLock(&mtime));  // see TouchModifiedInPlace
    stat->mtime = mtime;
    stat->ctime = ctime;
  }
  stat->btime = btime;
  stat->deletePending = false;
  stat->attributes = attributes;
  if (isRegular()) {
    stat->size = data.size();
    stat->allocationSize = data.allocatedBytes();
    if (data.allocatedBytes() < data.size()) stat->attributes |= file_attribute::kSparseFile;
  } else if (isDirectory()) {
    stat->size = kChunkGrain;
    stat->allocationSize = kChunkGrain;
    stat->attributes |= file_attribute::kDirectory;
  } else if (isSymlink()) {
    stat->size = symlinkTarget.size();
    stat->allocationSize = symlinkTarget.size();
    stat->attributes |= file_attribute::kReparsePoint;
  } else {
    stat->size = 0;
    stat->allocationSize = 0;
  }
  if (stat->attributes == 0) stat->attributes = file_attribute::kNormal;
}

void Node::TouchModifiedInPlace() {
  std::lock_guard times(StripeLock(&mtime));
  mtime = ctime = Now();
}

void Node::TouchEntriesChanged(FileTimeSpec now, int nlinkDelta) {
  std::unique_lock lock(mutex);
  mtime = ctime = now;
  nlink += nlinkDelta;
}

void Node::TouchNameChanged(FileTimeSpec now, int nlinkDelta) {
  std::unique_lock lock(mutex);
  ctime = now;
  nlink += nlinkDelta;
}

}  // namespace irpfs::memfs
