// One memfs inode: a file, directory, symlink or special file, and the intrusive
// reference count that decides when it is freed.
//
// References: every directory entry naming the node holds one (NodePtr), the class driver
// holds one per Lookup/Create until its Forget, and memfs code holds short-lived ones
// while it works on a node outside a directory lock. When the last goes, the node is
// freed and its bytes and inode go back to the volume's Capacity. A name-less node (nlink
// 0) thus lives exactly as long as something still uses it.
//
// Locks (the full order is in memfs.h): `mutex` guards the attributes, the file data and
// the xattrs. A thread holds at most one node mutex at a time (except CopyRange, see
// memfs.h), and takes it after any directory lock it needs. One exception to "shared
// means read-only": a write inside the file's existing chunks changes bytes (under the
// chunks' stripes, file_data.h) and mtime/ctime (under the times' stripe) with `mutex`
// held shared; see MemFs::Write.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <utility>

#include "core/fs_info.h"
#include "core/irp_codes.h"
#include "drivers/memfs/capacity.h"
#include "drivers/memfs/file_data.h"
#include "drivers/memfs/xattrs.h"

namespace irpfs::memfs {

class Directory;

// FILE_ATTRIBUTE_* bits derived from the node instead of stored (Node::attributes).
inline constexpr uint32_t kDerivedAttributes =
    file_attribute::kDirectory | file_attribute::kNormal | file_attribute::kSparseFile |
    file_attribute::kReparsePoint;

// The current CLOCK_REALTIME time, with nanoseconds.
FileTimeSpec Now();

class Node {
 public:
  // `mode` carries the type bits, fixed for the node's life. The node starts with no
  // references and has charged one inode (released when it is freed).
  Node(uint64_t id, uint32_t mode, Capacity* capacity);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  void AddRef() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Frees the node when this was the last reference.
  void Release();

  bool isDirectory() const { return S_ISDIR(type); }
  bool isRegular() const { return S_ISREG(type); }
  bool isSymlink() const { return S_ISLNK(type); }

  // Fills `stat` from the attributes. Caller holds `mutex` (shared is enough).
  void FillStat(FileStat* stat) const;
  // mtime = ctime = now, as a change of content does. Caller holds `mutex` exclusively.
  void TouchModified(FileTimeSpec now) { mtime = ctime = now; }
  // The same for an in-place write, whose caller holds `mutex` only shared: such writers
  // run at once, so they set the times under the times' stripe (stripe_locks.h), which
  // FillStat takes to read them. The clock is read under it too, so the times never go
  // back when two writers race.
  void TouchModifiedInPlace();
  // Takes `mutex` and records a change of a directory's entries.
  void TouchEntriesChanged(FileTimeSpec now, int nlinkDelta = 0);
  // Takes `mutex` and records a change of the node's names (link, unlink, rename).
  void TouchNameChanged(FileTimeSpec now, int nlinkDelta = 0);

  const uint64_t id;
  const uint32_t type;  // S_IFMT bits

  // Immutable once the node is published in a directory.
  std::string symlinkTarget;
  std::unique_ptr<Directory> directory;  // directories only

  // Directories: the directory holding this one's name. Written (by a rename to another
  // parent) and read only under MemFs::renameMutex_, which keeps the chain of parents up
  // to the root still. Stale once the directory is removed; Directory::unlinked says so.
  Node* parent = nullptr;

  // ---- Guarded by `mutex`.
  mutable std::shared_mutex mutex;
  uint32_t mode = 0;  // type | permission bits
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t nlink = 0;
  uint64_t rdev = 0;
  uint32_t attributes = 0;  // FILE_ATTRIBUTE_* the user set (directory bit derived)
  FileTimeSpec atime, mtime, ctime, btime;
  FileData data;  // regular files
  XattrSet xattrs;

 private:
  std::atomic<uint32_t> refs_{0};
  Capacity* capacity_;
};

// An owning reference to a Node (one count of Node::refs_).
class NodePtr {
 public:
  NodePtr() = default;
  // Takes a new reference on `node`.
  explicit NodePtr(Node* node) : node_(node) {
    if (node_) node_->AddRef();
  }
  NodePtr(const NodePtr& other) : NodePtr(other.node_) {}
  NodePtr(NodePtr&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}
  NodePtr& operator=(NodePtr other) noexcept {
    std::swap(node_, other.node_);
    return *this;
  }
  ~NodePtr() {
    if (node_) node_->Release();
  }

  Node* get() const { return node_; }
  Node* operator->() const { return node_; }
  explicit operator bool() const { return node_ != nullptr; }
  // Hands the reference to the caller (who releases it with Node::Release).
  Node* Detach() { return std::exchange(node_, nullptr); }

 private:
  Node* node_ = nullptr;
};

}  // namespace irpfs::memfs
