#include "transport/fuse/dispatcher_handles.h"

#include <cstdio>
#include <cstdlib>

#include "core/file_object.h"

namespace irpfs::fuse {

HandleTable::~HandleTable() {
  if (OpenCount() != 0) {
    std::fprintf(stderr, "irpfs: fuse handle table destroyed with %zu open handles\n", OpenCount());
    std::abort();
  }
}

FileHandle HandleTable::Insert(FileObject* fileObject, const OpenInfo& info) {
  std::lock_guard lock(mutex_);
  uint32_t index;
  if (!freeSlots_.empty()) {
    index = freeSlots_.back();
    freeSlots_.pop_back();
  } else {
    slots_.emplace_back();
    index = static_cast<uint32_t>(slots_.size() - 1);
  }
  Slot& slot = slots_[index];
  slot.fileObject = fileObject;
  slot.info = info;
  return FileHandle{(uint64_t{slot.generation} << 32) | index};
}

FileObject* HandleTable::Reference(FileHandle fh, OpenInfo* info) {
  std::lock_guard lock(mutex_);
  Slot* slot = LiveSlotLocked(fh);
  if (slot == nullptr) return nullptr;
  ObReferenceObject(slot->fileObject);
  if (info) *info = slot->info;
  return slot->fileObject;
}

FileObject* HandleTable::Remove(FileHandle fh, OpenInfo* info) {
  std::lock_guard lock(mutex_);
  Slot* slot = LiveSlotLocked(fh);
  if (slot == nullptr) return nullptr;
  FileObject* removed = slot->fileObject;
  if (info != nullptr) *info = slot->info;
  slot->fileObject = nullptr;
  slot->info = OpenInfo{};
  // Skip 0 on wrap-around so that no handle is ever 0.
  if (++slot->generation == 0) slot->generation = 1;
  freeSlots_.push_back(static_cast<uint32_t>(fh.value & 0xFFFFFFFFu));
  return removed;
}

std::vector<FileObject*> HandleTable::Clear() {
  std::vector<FileObject*> removed;
  std::lock_guard lock(mutex_);
  for (uint32_t index = 0; index < slots_.size(); ++index) {
    Slot& slot = slots_[index];
    if (slot.fileObject == nullptr) continue;
    removed.push_back(slot.fileObject);
    slot.fileObject = nullptr;
    if (++slot.generation == 0) slot.generation = 1;
    freeSlots_.push_back(index);
  }
  return removed;
}

size_t HandleTable::OpenCount() const {
  std::lock_guard lock(mutex_);
  size_t open = 0;
  for (const Slot& slot : slots_) open += slot.fileObject != nullptr;
  return open;
}

HandleTable::Slot* HandleTable::LiveSlotLocked(FileHandle fh) {
  uint64_t index = fh.value & 0xFFFFFFFFu;
  auto generation = static_cast<uint32_t>(fh.value >> 32);
  if (index >= slots_.size()) return nullptr;
  Slot& slot = slots_[index];
  if (slot.fileObject == nullptr || slot.generation != generation) return nullptr;
  return &slot;
}

}  // namespace irpfs::fuse
