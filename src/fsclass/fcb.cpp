#include "fsclass/fcb.h"

#include <vector>

#include "fsclass/mini_call.h"

namespace irpfs::fsclass {

FcbTable::~FcbTable() {
  for (auto& [id, fcb] : byId_) {
    if (fcb->holdsMiniReference_) GuardedVoid([&] { mini_.Forget(fcb->node); });
    delete fcb;
  }
}

NtStatus FcbTable::Acquire(const OperationContext& ctx, NodeRef node, uint32_t type, Fcb** out) {
  return Insert(ctx, node, type, true, out);
}

NtStatus FcbTable::AcquireRoot(const OperationContext& ctx, NodeRef root, Fcb** out) {
  return Insert(ctx, root, S_IFDIR, false, out);
}

NtStatus FcbTable::Insert(const OperationContext& ctx, NodeRef node, uint32_t type, bool holdsRef,
                          Fcb** out) {
  *out = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto it = byId_.find(node.fileId);
    if (it != byId_.end()) {
      ++it->second->refs_;
      *out = it->second;
    }
  }
  if (*out) {
    if (holdsRef) GuardedVoid([&] { mini_.Forget(node); });
    return NtStatus::Success;
  }
  if (type == 0) {
    // A node new to the table: ask its type once; the FCB caches it for its life.
    FileStat stat;
    NtStatus s = Guarded([&] { return mini_.GetFileInformation(ctx, node, &stat); });
    if (!NtSuccess(s)) {
      if (holdsRef) GuardedVoid([&] { mini_.Forget(node); });
      return s;
    }
    type = stat.mode & S_IFMT;
  }
  auto* fresh = new Fcb(node, type, holdsRef);
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = byId_.emplace(node.fileId, fresh);
    if (inserted) {
      *out = fresh;
      return NtStatus::Success;
    }
    // Another thread made the FCB meanwhile: use that one.
    ++it->second->refs_;
    *out = it->second;
  }
  delete fresh;
  if (holdsRef) GuardedVoid([&] { mini_.Forget(node); });
  return NtStatus::Success;
}

void FcbTable::Reference(Fcb* fcb) {
  std::lock_guard lock(mutex_);
  ++fcb->refs_;
}

void FcbTable::Release(Fcb* fcb) {
  // Dying FCBs release the directory their delete name lives in: a loop, not recursion.
  while (fcb) {
    {
      std::lock_guard lock(mutex_);
      if (--fcb->refs_ > 0) return;
      byId_.erase(fcb->node.fileId);
    }
    if (fcb->holdsMiniReference_) GuardedVoid([&] { mini_.Forget(fcb->node); });
    Fcb* parent = fcb->deleteParent;
    delete fcb;
    fcb = parent;
  }
}

size_t FcbTable::Size() {
  std::lock_guard lock(mutex_);
  return byId_.size();
}

}  // namespace irpfs::fsclass
