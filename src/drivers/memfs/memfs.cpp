// The volume, names and enumeration of memfs. Data is in memfs_data.cpp, attributes and
// xattrs in memfs_attributes.cpp, renames in memfs_move.cpp.
#include "drivers/memfs/memfs.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "core/irp_codes.h"
#include "drivers/memfs/directory.h"
#include "drivers/memfs/names.h"

namespace irpfs::memfs {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

void CopyString(char* dst, size_t capacity, std::string_view src) {
  size_t n = std::min(src.size(), capacity - 1);
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

bool IsSupportedType(uint32_t type) {
  switch (type) {
    case S_IFREG:
    case S_IFDIR:
    case S_IFLNK:
    case S_IFIFO:
    case S_IFCHR:
    case S_IFBLK:
    case S_IFSOCK:
      return true;
    default:
      return false;
  }
}
}  // namespace

MemFs::MemFs(const MemfsOptions& options)
    : options_(options), capacity_(options.capacityBytes, options.maxInodes) {
  capacity_.TryChargeInode();  // the root's; maxInodes is at least 1
  root_ = NodePtr(new Node(kRootId, S_IFDIR | (options.rootMode & 07777), &capacity_));
  root_->directory = std::make_unique<Directory>();
  root_->uid = options.rootUid < 0 ? getuid() : static_cast<uint32_t>(options.rootUid);
  root_->gid = options.rootGid < 0 ? getgid() : static_cast<uint32_t>(options.rootGid);
  root_->nlink = 2;
  root_->atime = root_->mtime = root_->ctime = root_->btime = Now();
  serialNumber_ = static_cast<uint32_t>(root_->btime.sec * 1000003 + root_->btime.nsec);
}

// Tears the tree down iteratively: releasing the root would otherwise free directories
// recursively, as deep as the tree.
MemFs::~MemFs() {
  std::vector<NodePtr> pending;
  pending.push_back(std::move(root_));
  while (!pending.empty()) {
    NodePtr node = std::move(pending.back());
    pending.pop_back();
    if (!node->directory) continue;
    std::unique_lock lock(node->directory->mutex());
    for (NodePtr& child : node->directory->TakeAll()) pending.push_back(std::move(child));
  }
}

NodeRef MemFs::Root() {
  return {kRootId, root_.get()};
}

NtStatus MemFs::GetVolumeInformation(FsVolumeInfo* volume, FsAttributeInfo* attributes) {
  if (volume) {
    volume->serialNumber = serialNumber_;
    CopyString(volume->label, sizeof volume->label, options_.label);
  }
  if (attributes) {
    attributes->attributes = fs_attribute::kCaseSensitiveSearch |
                             fs_attribute::kCasePreservedNames |
                             fs_attribute::kSupportsSparseFiles | fs_attribute::kSupportsHardLinks |
                             fs_attribute::kSupportsExtendedAttributes;
    attributes->maximumComponentNameLength = kMaxNameLength;
    CopyString(attributes->fileSystemName, sizeof attributes->fileSystemName, "memfs");
  }
  return NtStatus::Success;
}

NtStatus MemFs::GetDiskFreeSpace(FsFullSizeInfo* size) {
  *size = FsFullSizeInfo{};
  uint64_t unit = size->bytesPerSector * size->sectorsPerAllocationUnit;
  uint64_t used = std::min(capacity_.usedBytes(), capacity_.totalBytes());
  size->totalAllocationUnits = capacity_.totalBytes() / unit;
  size->actualAvailableAllocationUnits = (capacity_.totalBytes() - used) / unit;
  size->callerAvailableAllocationUnits = size->actualAvailableAllocationUnits;
  size->totalFiles = capacity_.totalInodes();
  size->freeFiles =
      capacity_.totalInodes() - std::min(capacity_.usedInodes(), capacity_.totalInodes());
  return NtStatus::Success;
}

NtStatus MemFs::Lookup(const OperationContext&, NodeRef dirRef, std::string_view name,
                       NodeRef* out) {
  Node* dir = NodeOf(dirRef);
  if (!dir->directory) return NtStatus::NotADirectory;
  if (name == ".") {
    *out = HandOut(dir);
    return NtStatus::Success;
  }
  if (name == "..") return LookupParent(dir, out);
  if (name.size() > kMaxNameLength) return NtStatus::NameTooLong;
  std::shared_lock lock(dir->directory->mutex());
  DirEntry* entry = dir->directory->Find(name);
  if (!entry) return NtStatus::ObjectNameNotFound;
  *out = HandOut(entry->node.get());
  return NtStatus::Success;
}

NtStatus MemFs::LookupParent(Node* dir, NodeRef* out) {
  std::lock_guard topology(renameMutex_);
  if (dir->directory->unlinked) return NtStatus::ObjectNameNotFound;
  *out = HandOut(dir == root_.get() ? dir : dir->parent);
  return NtStatus::Success;
}

void MemFs::Forget(NodeRef node) {
  NodeOf(node)->Release();
}

NtStatus MemFs::Create(const OperationContext&, NodeRef dirRef, std::string_view name,
                       const fsclass::NewNodeSpec& spec, NodeRef* out) {
  Node* dir = NodeOf(dirRef);
  if (!dir->directory) return NtStatus::NotADirectory;
  if (NtStatus s = ValidateName(name); !NtSuccess(s)) return s;
  uint32_t type = (spec.mode & S_IFMT) ? spec.mode & S_IFMT : S_IFREG;
  if (!IsSupportedType(type)) return NtStatus::InvalidParameter;
  if (type == S_IFLNK) {
    if (spec.symlinkTarget.empty()) return NtStatus::ObjectNameNotFound;  // ENOENT, as Linux
    if (spec.symlinkTarget.size() > kMaxSymlinkLength) return NtStatus::NameTooLong;
  }

  Directory& entries = *dir->directory;
  std::unique_lock lock(entries.mutex());
  if (entries.unlinked) return NtStatus::ObjectNameNotFound;
  if (entries.Find(name)) return NtStatus::ObjectNameCollision;

  if (!capacity_.TryChargeInode()) return NtStatus::DiskFull;
  NodePtr node;
  try {
    node = NodePtr(new Node(nextId_.fetch_add(1, std::memory_order_relaxed),
                            type | (spec.mode & 07777), &capacity_));
  } catch (...) {
    capacity_.ReleaseInode();
    throw;
  }
  // From here the node's destructor returns what it was charged.
  if (type == S_IFLNK) {
    node->symlinkTarget.assign(spec.symlinkTarget);
    if (!capacity_.TryChargeBytes(node->symlinkTarget.size())) {
      node->symlinkTarget.clear();
      return NtStatus::DiskFull;
    }
  }
  if (type == S_IFDIR) {
    node->directory = std::make_unique<Directory>();
    node->parent = dir;
  }
  node->uid = spec.uid;
  node->gid = spec.gid;
  {
    // A set-group-ID directory hands its group down, and its flag to subdirectories.
    std::shared_lock parentLock(dir->mutex);
    if (dir->mode & S_ISGID) {
      node->gid = dir->gid;
      if (type == S_IFDIR) node->mode |= S_ISGID;
    }
  }
  node->nlink = type == S_IFDIR ? 2 : 1;
  node->rdev = (type == S_IFCHR || type == S_IFBLK) ? spec.rdev : 0;
  node->attributes = spec.attributes & ~kDerivedAttributes;
  FileTimeSpec now = Now();
  node->atime = node->mtime = node->ctime = node->btime = now;

  entries.Insert(name, node);
  dir->TouchEntriesChanged(now, type == S_IFDIR ? 1 : 0);
  *out = HandOut(node.get());
  return NtStatus::Success;
}

NtStatus MemFs::Remove(const OperationContext&, NodeRef dirRef, std::string_view name) {
  Node* dir = NodeOf(dirRef);
  if (!dir->directory) return NtStatus::NotADirectory;
  if (NtStatus s = ValidateName(name); !NtSuccess(s)) return s;
  Directory& entries = *dir->directory;

  // Removing a directory changes the tree: it needs renameMutex_, taken before any entry
  // lock, and the child's entry list, locked together with the parent's. Which child the
  // name holds is known only under the parent's lock, so a directory takes another pass.
  std::unique_lock<std::mutex> topology(renameMutex_, std::defer_lock);
  NodePtr childDir;  // the directory this pass expects to remove
  NodePtr removed;   // released after the locks
  for (;;) {
    DirectoryLocks locks({dir, childDir.get()});
    DirEntry* entry = entries.Find(name);
    if (!entry) return NtStatus::ObjectNameNotFound;
    Node* node = entry->node.get();
    FileTimeSpec now = Now();
    if (!node->isDirectory()) {
      removed = entries.Erase(name);
      node->TouchNameChanged(now, -1);
      dir->TouchEntriesChanged(now);
      return NtStatus::Success;
    }
    if (childDir.get() != node) {
      // The old hint may hold the last reference to a directory locked here: unlock first.
      NodePtr next(node);
      locks.Unlock();
      childDir = std::move(next);
      if (!topology.owns_lock()) topology.lock();
      continue;
    }
    Directory& children = *node->directory;
    if (!children.empty()) return NtStatus::DirectoryNotEmpty;
    children.unlinked = true;
    removed = entries.Erase(name);
    {
      std::unique_lock nodeLock(node->mutex);
      node->nlink = 0;
      node->ctime = now;
    }
    dir->TouchEntriesChanged(now, -1);
    return NtStatus::Success;
  }
}

NtStatus MemFs::CanRemove(const OperationContext&, NodeRef dirRef, std::string_view name, NodeRef) {
  Node* dir = NodeOf(dirRef);
  if (!dir->directory) return NtStatus::NotADirectory;
  if (NtStatus s = ValidateName(name); !NtSuccess(s)) return s;
  NodePtr node;
  {
    std::shared_lock lock(dir->directory->mutex());
    DirEntry* entry = dir->directory->Find(name);
    if (!entry) return NtStatus::ObjectNameNotFound;
    node = entry->node;
  }
  if (!node->isDirectory()) return NtStatus::Success;
  // Only one directory lock at a time outside renameMutex_ (memfs.h): the answer is a
  // snapshot anyway, Remove checks again.
  std::shared_lock lock(node->directory->mutex());
  return node->directory->empty() ? NtStatus::Success : NtStatus::DirectoryNotEmpty;
}

NtStatus MemFs::Link(const OperationContext&, NodeRef nodeRef, NodeRef dirRef,
                     std::string_view name) {
  Node* node = NodeOf(nodeRef);
  Node* dir = NodeOf(dirRef);
  if (!dir->directory) return NtStatus::NotADirectory;
  if (node->isDirectory()) return NtStatus::NotPermitted;  // EPERM, as Linux
  if (NtStatus s = ValidateName(name); !NtSuccess(s)) return s;

  Directory& entries = *dir->directory;
  std::unique_lock lock(entries.mutex());
  if (entries.unlinked) return NtStatus::ObjectNameNotFound;
  if (entries.Find(name)) return NtStatus::ObjectNameCollision;
  FileTimeSpec now = Now();
  {
    std::unique_lock nodeLock(node->mutex);
    if (node->nlink == 0) return NtStatus::ObjectNameNotFound;  // ENOENT, as Linux
    if (node->nlink >= kMaxLinks) return NtStatus::TooManyLinks;
    entries.Insert(name, NodePtr(node));
    ++node->nlink;
    node->ctime = now;
  }
  dir->TouchEntriesChanged(now);
  return NtStatus::Success;
}

NtStatus MemFs::ReadLink(const OperationContext&, NodeRef nodeRef, char* buffer,
                         uint32_t bufferLength, uint32_t* length) {
  Node* node = NodeOf(nodeRef);
  if (!node->isSymlink()) return NtStatus::NotAReparsePoint;  // EINVAL, as readlink(2)
  const std::string& target = node->symlinkTarget;            // immutable
  *length = static_cast<uint32_t>(target.size());
  size_t copied = std::min<size_t>(bufferLength, target.size());
  if (copied) std::memcpy(buffer, target.data(), copied);
  return bufferLength < target.size() ? NtStatus::BufferOverflow : NtStatus::Success;
}

NtStatus MemFs::FindFiles(const OperationContext&, NodeRef dirRef, void*, uint64_t afterCookie,
                          fsclass::DirectoryFiller& filler) {
  Node* dir = NodeOf(dirRef);
  if (!dir->directory) return NtStatus::NotADirectory;
  // Entries are copied out in small batches so that the filler runs without any memfs
  // lock held (it may call back into memfs), and without allocating.
  struct Copied {
    uint64_t cookie;
    uint32_t nameLength;
    char name[kMaxNameLength];
    FileStat stat;
  };
  constexpr int kBatch = 16;
  Copied batch[kBatch];
  bool fullStat = filler.NeedsFullStat();
  uint64_t after = afterCookie;
  for (;;) {
    int count = 0;
    {
      std::shared_lock lock(dir->directory->mutex());
      dir->directory->ForEachAfter(after, [&](uint64_t cookie, const DirEntry& entry) {
        Copied& copy = batch[count];
        copy.cookie = cookie;
        copy.nameLength = static_cast<uint32_t>(entry.name.size());
        std::memcpy(copy.name, entry.name.data(), entry.name.size());
        if (fullStat) {
          std::shared_lock nodeLock(entry.node->mutex);
          entry.node->FillStat(&copy.stat);
        } else {
          // id and type are fixed for the node's life: no node lock needed.
          copy.stat = FileStat{};
          copy.stat.fileId = entry.node->id;
          copy.stat.mode = entry.node->type;
        }
        return ++count < kBatch;
      });
    }
    for (int i = 0; i < count; ++i) {
      const Copied& copy = batch[i];
      if (!filler.Add({copy.name, copy.nameLength}, copy.cookie, copy.stat)) {
        return NtStatus::Success;
      }
      after = copy.cookie;
    }
    if (count < kBatch) return NtStatus::Success;
  }
}

NtStatus MemFs::Flush(const OperationContext&, NodeRef, void*, bool) {
  return NtStatus::Success;  // nothing is volatile beyond memory
}

}  // namespace irpfs::memfs
