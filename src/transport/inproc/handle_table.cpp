#include "transport/inproc/handle_table.h"

#include <atomic>

namespace irpfs::inproc::detail {
namespace {

// Handle value layout: bits 0-23 slot index + 1 (so 0 is never valid), bits 24-47 the
// slot's generation, bits 48-63 the table id. Table id 0xFFFF is never issued, which
// keeps kInvalidHandleValue (all ones) from ever matching.
constexpr uint32_t kIndexBits = 24;
constexpr uint32_t kGenerationBits = 24;
constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
constexpr uint64_t kGenerationMask = (uint64_t{1} << kGenerationBits) - 1;
constexpr size_t kMaxSlots = kIndexMask - 1;

uint16_t NextTableId() {
  static std::atomic<uint32_t> next{0};
  return static_cast<uint16_t>(next.fetch_add(1, std::memory_order_relaxed) % 0xFFFF);
}

Handle Encode(uint16_t table, uint32_t generation, size_t index) {
  uint64_t value = (uint64_t{table} << (kIndexBits + kGenerationBits)) |
                   ((generation & kGenerationMask) << kIndexBits) | (index + 1);
  return static_cast<Handle>(value);
}

}  // namespace

HandleTable::HandleTable() : tableId_(NextTableId()) {}

Handle HandleTable::Insert(HandleEntry entry) {
  std::lock_guard lock(mutex_);
  size_t index;
  if (!freeSlots_.empty()) {
    index = freeSlots_.back();
    freeSlots_.pop_back();
  } else {
    if (slots_.size() >= kMaxSlots) return kInvalidHandleValue;
    index = slots_.size();
    slots_.emplace_back();
  }
  Slot& slot = slots_[index];
  slot.entry = std::move(entry);
  ++live_;
  return Encode(tableId_, slot.generation, index);
}

Handle HandleTable::InsertFile(std::shared_ptr<OpenFile> file, uint32_t grantedAccess) {
  return Insert(HandleEntry{HandleKind::File, std::move(file), grantedAccess, {}});
}

Handle HandleTable::InsertFind(std::shared_ptr<FindState> find) {
  return Insert(HandleEntry{HandleKind::Find, {}, 0, std::move(find)});
}

HandleTable::Slot* HandleTable::Find(Handle handle, HandleKind kind) {
  auto value = static_cast<uint64_t>(handle);
  if ((value >> (kIndexBits + kGenerationBits)) != tableId_) return nullptr;
  uint64_t index = value & kIndexMask;
  if (index == 0 || index > slots_.size()) return nullptr;
  Slot& slot = slots_[index - 1];
  if (slot.entry.kind == HandleKind::Free) return nullptr;
  if (kind != HandleKind::Free && slot.entry.kind != kind) return nullptr;
  if ((slot.generation & kGenerationMask) != ((value >> kIndexBits) & kGenerationMask)) {
    return nullptr;
  }
  return &slot;
}

bool HandleTable::ReferenceFile(Handle handle, std::shared_ptr<OpenFile>* file,
                                uint32_t* grantedAccess) {
  std::lock_guard lock(mutex_);
  Slot* slot = Find(handle, HandleKind::File);
  if (slot == nullptr) return false;
  ObReferenceObject(slot->entry.file->fileObject);
  *file = slot->entry.file;
  if (grantedAccess != nullptr) *grantedAccess = slot->entry.grantedAccess;
  return true;
}

std::shared_ptr<FindState> HandleTable::LookupFind(Handle handle) {
  std::lock_guard lock(mutex_);
  Slot* slot = Find(handle, HandleKind::Find);
  return slot != nullptr ? slot->entry.find : nullptr;
}

bool HandleTable::Remove(Handle handle, HandleEntry* removed) {
  std::lock_guard lock(mutex_);
  Slot* slot = Find(handle, HandleKind::Free);
  if (slot == nullptr) return false;
  *removed = std::move(slot->entry);
  slot->entry = HandleEntry{};
  ++slot->generation;
  freeSlots_.push_back(static_cast<uint32_t>(slot - slots_.data()));
  --live_;
  return true;
}

std::vector<HandleEntry> HandleTable::RemoveAll() {
  std::lock_guard lock(mutex_);
  std::vector<HandleEntry> out;
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    if (slot.entry.kind == HandleKind::Free) continue;
    out.push_back(std::move(slot.entry));
    slot.entry = HandleEntry{};
    ++slot.generation;
    freeSlots_.push_back(static_cast<uint32_t>(i));
  }
  live_ = 0;
  return out;
}

std::vector<std::shared_ptr<OpenFile>> HandleTable::Files() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<OpenFile>> out;
  for (const Slot& slot : slots_) {
    if (slot.entry.kind == HandleKind::File) out.push_back(slot.entry.file);
  }
  return out;
}

size_t HandleTable::Count() {
  std::lock_guard lock(mutex_);
  return live_;
}

}  // namespace irpfs::inproc::detail
