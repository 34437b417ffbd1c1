#include "transport/fuse/node_table.h"

#include <cstdio>
#include <cstdlib>

#include "core/file_object.h"

namespace irpfs::fuse {

NodeTable::NodeTable() : slots_(2) {}

NodeTable::~NodeTable() {
  // Leaking open handles would hold FCBs (and their volume) forever: that is a bug in
  // the dispatcher's shutdown, made loud.
  if (LiveCount() != 0) {
    std::fprintf(stderr, "irpfs: fuse node table destroyed with %zu live nodes\n", LiveCount());
    std::abort();
  }
}

bool NodeTable::SetRoot(FileObject* nodeFileObject, uint64_t fileId) {
  std::lock_guard lock(mutex_);
  Slot& root = slots_[kRootNodeId.value];
  if (root.fileObject != nullptr) return false;
  root.fileObject = nodeFileObject;
  root.fileId = fileId;
  root.lookups = 1;
  byFileId_[fileId] = static_cast<uint32_t>(kRootNodeId.value);
  return true;
}

RememberResult NodeTable::Remember(uint64_t fileId, FileObject* nodeFileObject) {
  std::lock_guard lock(mutex_);
  auto known = byFileId_.find(fileId);
  if (known != byFileId_.end()) {
    Slot& slot = slots_[known->second];
    if (slot.fileObject->fsContext == nodeFileObject->fsContext) {
      ++slot.lookups;
      return {{NodeId{known->second}, slot.generation}, false};
    }
  }
  uint32_t index = AllocateSlotLocked();
  Slot& slot = slots_[index];
  slot.fileObject = nodeFileObject;
  slot.fileId = fileId;
  slot.lookups = 1;
  // A reused fileId now names the new file; the old node stays reachable by its nodeid
  // until the kernel forgets it.
  byFileId_[fileId] = index;
  return {{NodeId{index}, slot.generation}, true};
}

bool NodeTable::AddLookup(NodeId id, NodeEntry* entry) {
  std::lock_guard lock(mutex_);
  Slot* slot = LiveSlotLocked(id);
  if (slot == nullptr) return false;
  ++slot->lookups;
  *entry = {id, slot->generation};
  return true;
}

bool NodeTable::AddLookupByFileId(uint64_t fileId, NodeEntry* entry) {
  std::lock_guard lock(mutex_);
  auto known = byFileId_.find(fileId);
  if (known == byFileId_.end()) return false;
  Slot& slot = slots_[known->second];
  ++slot.lookups;
  *entry = {NodeId{known->second}, slot.generation};
  return true;
}

FileObject* NodeTable::Reference(NodeId id) {
  std::lock_guard lock(mutex_);
  Slot* slot = LiveSlotLocked(id);
  if (slot == nullptr) return nullptr;
  ObReferenceObject(slot->fileObject);
  return slot->fileObject;
}

FileObject* NodeTable::Forget(NodeId id, uint64_t count) {
  if (id == kRootNodeId) return nullptr;
  std::lock_guard lock(mutex_);
  Slot* slot = LiveSlotLocked(id);
  if (slot == nullptr) return nullptr;
  // The kernel never forgets more than it was told; if it did, dropping the node is
  // still the only sensible reading.
  slot->lookups = count >= slot->lookups ? 0 : slot->lookups - count;
  if (slot->lookups != 0) return nullptr;
  FileObject* released = slot->fileObject;
  auto indexed = byFileId_.find(slot->fileId);
  if (indexed != byFileId_.end() && indexed->second == id.value) byFileId_.erase(indexed);
  FreeSlotLocked(static_cast<uint32_t>(id.value));
  return released;
}

bool NodeTable::SwapOpenVersion(NodeId id, const FileVersion& now) {
  std::lock_guard lock(mutex_);
  Slot* slot = LiveSlotLocked(id);
  if (slot == nullptr) return false;
  bool same = slot->versionKnown && slot->openVersion == now;
  slot->openVersion = now;
  slot->versionKnown = true;
  return same;
}

std::vector<FileObject*> NodeTable::Clear() {
  std::lock_guard lock(mutex_);
  std::vector<FileObject*> released;
  for (uint32_t index = 1; index < slots_.size(); ++index) {
    if (slots_[index].fileObject == nullptr) continue;
    released.push_back(slots_[index].fileObject);
    FreeSlotLocked(index);
  }
  byFileId_.clear();
  return released;
}

size_t NodeTable::LiveCount() const {
  std::lock_guard lock(mutex_);
  size_t live = 0;
  for (const Slot& slot : slots_) live += slot.fileObject != nullptr;
  return live;
}

uint64_t NodeTable::Generation(NodeId id) const {
  std::lock_guard lock(mutex_);
  const Slot* slot = LiveSlotLocked(id);
  return slot != nullptr ? slot->generation : 0;
}

uint64_t NodeTable::LookupCount(NodeId id) const {
  std::lock_guard lock(mutex_);
  const Slot* slot = LiveSlotLocked(id);
  return slot ? slot->lookups : 0;
}

NodeTable::Slot* NodeTable::LiveSlotLocked(NodeId id) {
  if (id.value == 0 || id.value >= slots_.size()) return nullptr;
  Slot& slot = slots_[id.value];
  return slot.fileObject ? &slot : nullptr;
}

const NodeTable::Slot* NodeTable::LiveSlotLocked(NodeId id) const {
  return const_cast<NodeTable*>(this)->LiveSlotLocked(id);
}

uint32_t NodeTable::AllocateSlotLocked() {
  if (!freeSlots_.empty()) {
    uint32_t index = freeSlots_.back();
    freeSlots_.pop_back();
    return index;
  }
  slots_.emplace_back();
  return static_cast<uint32_t>(slots_.size() - 1);
}

void NodeTable::FreeSlotLocked(uint32_t index) {
  Slot& slot = slots_[index];
  slot.fileObject = nullptr;
  slot.fileId = 0;
  slot.lookups = 0;
  slot.versionKnown = false;
  // The next node in this slot gets a new generation, so the kernel can tell it from
  // the inode it just evicted.
  ++slot.generation;
  // The root slot is only refilled by SetRoot, never handed out to another node.
  if (index != kRootNodeId.value) freeSlots_.push_back(index);
}

}  // namespace irpfs::fuse
