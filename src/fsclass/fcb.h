// File control blocks: one per node of the mini file system that is open or being walked
// through, shared by every open of that node (FileObject::fsContext).
//
// Lifetime: an FCB is reference counted. References are held by each CCB (its own node
// and the directory it was opened in), by the volume (the root), by an FCB whose delete
// name lies in a directory, and briefly by path walks. The FCB holds exactly one mini
// reference on its node (from Lookup or Create) and calls Forget when the last reference
// goes; the root holds none, as MiniFileSystem::Root() hands out none.
//
// Lock order (acquire top to bottom, never upwards):
//   Ccb::enumMutex            one open's directory enumeration (held across mini FindFiles)
//   Fcb::mutex                share access, open count, delete state, CCB names
//   ByteRangeLocks::mutex_    the lock list
//   the lock wait queue's lock
//   FcbTable::mutex_          a leaf: only references are counted under it
// No two Fcb::mutex are held at once. Mini callbacks run with no class driver lock held,
// except FindFiles (under the open's own enumMutex). IRPs are completed with no lock held.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "fsclass/byte_range_locks.h"
#include "fsclass/mini_fs.h"
#include "fsclass/share_access.h"

namespace irpfs::fsclass {

class FcbTable;

class Fcb {
 public:
  Fcb(NodeRef node, uint32_t type, bool holdsMiniReference)
      : node(node), type(type), holdsMiniReference_(holdsMiniReference) {}
  Fcb(const Fcb&) = delete;
  Fcb& operator=(const Fcb&) = delete;

  const NodeRef node;
  const uint32_t type;  // S_IFMT bits; a node never changes type
  bool IsDirectory() const { return type == S_IFDIR; }

  std::mutex mutex;  // guards the fields below and the name fields of this FCB's CCBs
  ShareAccess shareAccess;
  uint32_t openCount = 0;       // opens (file objects) that have not had their CLEANUP yet
  bool deletePending = false;   // set by disposition/delete-on-close until the delete ran
  Fcb* deleteParent = nullptr;  // referenced; the name the delete will remove
  std::string deleteName;

  ByteRangeLocks locks;       // record locks (LockSpace::kRange); its own lock
  ByteRangeLocks flockLocks;  // flock(2) locks (LockSpace::kFlock); its own lock

 private:
  friend class FcbTable;
  int32_t refs_ = 1;  // guarded by the table's mutex
  bool holdsMiniReference_;
};

class FcbTable {
 public:
  explicit FcbTable(MiniFileSystem& mini) : mini_(mini) {}
  FcbTable(const FcbTable&) = delete;
  FcbTable& operator=(const FcbTable&) = delete;
  // Forgets every node still held (a volume torn down with opens left).
  ~FcbTable();

  // The referenced FCB of `node`, which carries one mini reference that the table takes
  // over (kept by a new FCB, forgotten when the node has one already). `type` is the
  // node's S_IFMT type when the caller knows it, 0 to ask the mini.
  NtStatus Acquire(const OperationContext& ctx, NodeRef node, uint32_t type, Fcb** out);
  // The root: an FCB without a mini reference.
  NtStatus AcquireRoot(const OperationContext& ctx, NodeRef root, Fcb** out);

  void Reference(Fcb* fcb);
  void Release(Fcb* fcb);

  size_t Size();

 private:
  NtStatus Insert(const OperationContext& ctx, NodeRef node, uint32_t type, bool holdsRef,
                  Fcb** out);

  MiniFileSystem& mini_;
  std::mutex mutex_;
  std::unordered_map<uint64_t, Fcb*> byId_;
};

// RAII for an FCB reference held during one request.
class FcbRef {
 public:
  FcbRef(FcbTable& table, Fcb* fcb = nullptr) : table_(table), fcb_(fcb) {}
  FcbRef(const FcbRef&) = delete;
  FcbRef& operator=(const FcbRef&) = delete;
  ~FcbRef() { Reset(); }
  Fcb* get() const { return fcb_; }
  Fcb* operator->() const { return fcb_; }
  Fcb** out() {
    Reset();
    return &fcb_;
  }
  Fcb* release() {
    Fcb* f = fcb_;
    fcb_ = nullptr;
    return f;
  }
  void Reset(Fcb* fcb = nullptr) {
    if (fcb_) table_.Release(fcb_);
    fcb_ = fcb;
  }

 private:
  FcbTable& table_;
  Fcb* fcb_;
};

}  // namespace irpfs::fsclass
