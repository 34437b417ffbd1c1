// The FUSE node table: which nodeids the kernel holds, and the open behind each.
//
// A nodeid is a slot index here, never a pointer: a stale or forged id from the kernel
// finds an empty slot (or one with another generation) and is answered with an error
// instead of crashing the process. When a slot is reused its generation goes up, so the
// pair (nodeid, generation) the kernel sees in entry replies is unique for the life of the
// mount, as FUSE requires.
//
// Every live node owns one "node FileObject": an IRP_MJ_CREATE of the file with attribute
// and EA rights only, like an O_PATH descriptor. Requests that name a node (getattr
// without a handle, lookup of a child, setxattr, ...) send their IRPs on it, and the
// class driver keeps the node's FCB alive as long as it is open, whatever happens to the
// node's names.
//
// Lookup counts follow FUSE: each entry reply (LOOKUP, MKNOD, MKDIR, SYMLINK, LINK, CREATE,
// a READDIRPLUS entry other than "." and "..") adds one; FORGET and BATCH_FORGET subtract
// what the kernel says; at zero the node is released and its FileObject closed. The root
// (nodeid 1) is never released by a forget; only Clear (DESTROY, unmount) drops it.
//
// Threads: every member may be called from any thread. One mutex guards the table; it is
// a leaf lock, and no IRP is ever sent while it is held (closing a node FileObject sends
// CLEANUP and CLOSE, so the functions that release nodes hand the FileObjects back to the
// caller, which closes them after the lock is gone).
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/fs_info.h"

namespace irpfs {
class FileObject;
}

namespace irpfs::fuse {

// A FUSE nodeid as the kernel uses it in fuse_in_header.nodeid.
struct NodeId {
  uint64_t value = 0;
  friend bool operator==(NodeId, NodeId) = default;
};
inline constexpr NodeId kRootNodeId{1};

// What an entry reply tells the kernel about a node.
struct NodeEntry {
  NodeId id;
  uint64_t generation = 0;
};

// A regular file's version as an open saw it (auto_cache, DispatcherOptions): the
// host's change time, modification time and size. Any change to the file's data or
// attributes moves the change time, so two opens that see the same version had nothing
// change the file between them.
struct FileVersion {
  FileTimeSpec ctime;
  FileTimeSpec mtime;
  uint64_t size = 0;
  friend bool operator==(const FileVersion&, const FileVersion&) = default;
};

// Result of NodeTable::Remember.
struct RememberResult {
  NodeEntry entry;
  // True when the table kept the caller's FileObject (a node it did not know). False when
  // the node was already known: the caller still owns its FileObject and must close it.
  bool adopted = false;
};

class NodeTable {
 public:
  NodeTable();
  NodeTable(const NodeTable&) = delete;
  NodeTable& operator=(const NodeTable&) = delete;
  // The table must have been emptied with Clear (its FileObjects are open handles).
  ~NodeTable();

  // Installs the root node (nodeid 1) with one handle on `nodeFileObject`, which the
  // table now owns. Returns false (and keeps nothing) if a root is already installed.
  bool SetRoot(FileObject* nodeFileObject, uint64_t fileId);

  // Counts one lookup of the file `fileId` that the caller just opened as
  // `nodeFileObject` (one handle, owned by the caller). A node already in the table is
  // the same file when its FileObject has the same FCB (fsContext): a file system may
  // reuse the fileId of a deleted file while the kernel still holds the old one.
  RememberResult Remember(uint64_t fileId, FileObject* nodeFileObject);

  // Counts one more lookup of a node the caller already holds a reference on (LINK: the
  // kernel gets a new entry for an existing node). False if `id` is not live.
  bool AddLookup(NodeId id, NodeEntry* entry);

  // Counts one more lookup of the live node with `fileId`, without opening the file
  // (READDIRPLUS entries). This trusts the fileId as the class driver's FCB table does:
  // while the table holds a node open, its FCB answers for that fileId. False when no
  // live node has it.
  bool AddLookupByFileId(uint64_t fileId, NodeEntry* entry);

  // The node FileObject of `id` with a reference added (ObReferenceObject), which the
  // caller drops with ObDereferenceObject; nullptr when `id` is not live.
  FileObject* Reference(NodeId id);

  // The kernel dropped `count` lookups of `id`. When the count reaches zero the node is
  // removed and its FileObject returned for the caller to close (ObCloseHandle); nullptr
  // otherwise. Unknown ids and the root are ignored: a forget cannot fail.
  FileObject* Forget(NodeId id, uint64_t count);

  // Records `now` as the version node `id` was opened at, and says whether the open
  // before it recorded the same one (false at a node's first open, for a dead id, and
  // after any change).
  bool SwapOpenVersion(NodeId id, const FileVersion& now);

  // Removes every node, the root included, and returns their FileObjects to close.
  std::vector<FileObject*> Clear();

  // Introspection for tests and the status view.
  size_t LiveCount() const;
  uint64_t LookupCount(NodeId id) const;  // 0 when not live
  uint64_t Generation(NodeId id) const;   // 0 when not live
  bool Contains(NodeId id) const { return LookupCount(id) != 0; }

 private:
  struct Slot {
    FileObject* fileObject = nullptr;  // nullptr: the slot is free
    uint64_t fileId = 0;
    uint64_t lookups = 0;
    uint64_t generation = 0;
    FileVersion openVersion;  // valid when versionKnown
    bool versionKnown = false;
  };

  Slot* LiveSlotLocked(NodeId id);
  const Slot* LiveSlotLocked(NodeId id) const;
  uint32_t AllocateSlotLocked();
  void FreeSlotLocked(uint32_t index);

  mutable std::mutex mutex_;
  // Index 0 is never used (nodeid 0 means "no node" in FUSE); 1 is the root.
  std::vector<Slot> slots_;
  std::vector<uint32_t> freeSlots_;
  // fileId -> slot of the newest live node with that fileId.
  std::unordered_map<uint64_t, uint32_t> byFileId_;
};

}  // namespace irpfs::fuse
