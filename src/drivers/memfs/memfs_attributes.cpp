// Attributes (stat, setattr, FileBasicInformation) and extended attributes.
#include <cstring>
#include <mutex>
#include <shared_mutex>

#include "core/irp.h"
#include "core/irp_codes.h"
#include "drivers/memfs/memfs.h"

namespace irpfs::memfs {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

bool IsSet(const FileTimeSpec& t) {
  return t.sec != 0 || t.nsec != 0;
}

}  // namespace

NtStatus MemFs::GetFileInformation(const OperationContext&, NodeRef nodeRef, FileStat* stat) {
  Node* node = NodeOf(nodeRef);
  std::shared_lock lock(node->mutex);
  node->FillStat(stat);
  return NtStatus::Success;
}

NtStatus MemFs::SetFileInformation(const OperationContext& ctx, NodeRef nodeRef, void*,
                                   const FilePosixInfo& info) {
  Node* node = NodeOf(nodeRef);
  // Everything that can fail is checked first: the change happens whole or not at all.
  if (info.valid & posix_valid::kSize) {
    if (node->isDirectory()) return NtStatus::FileIsADirectory;
    if (!node->isRegular()) return NtStatus::InvalidParameter;
    if (info.size > kMaxFileSize) return NtStatus::FileTooLarge;
  }
  FileTimeSpec now = Now();
  std::unique_lock lock(node->mutex);
  if (info.valid & posix_valid::kSize) {
    // Shrinking frees memory; growing only moves the end (the new range is a hole).
    uint64_t before = node->data.allocatedBytes();
    node->data.Resize(info.size);
    capacity_.ReleaseBytes(before - node->data.allocatedBytes());
    node->mtime = now;
    DropPrivileges(node, ctx);
  }
  if (info.valid & (posix_valid::kUid | posix_valid::kGid)) {
    if (info.valid & posix_valid::kUid) node->uid = info.uid;
    if (info.valid & posix_valid::kGid) node->gid = info.gid;
    // As Linux chown: a new owner must not inherit set-ID powers or file capabilities,
    // whoever changes it (root included).
    if (!node->isDirectory()) {
      DropFileCapabilities(node);
      node->mode &= ~S_ISUID;
      if (node->mode & S_IXGRP) node->mode &= ~S_ISGID;
    }
  }
  if (info.valid & posix_valid::kMode) node->mode = node->type | (info.mode & 07777);
  if (info.valid & posix_valid::kAtime) node->atime = info.atime;
  if (info.valid & posix_valid::kAtimeNow) node->atime = now;
  if (info.valid & posix_valid::kMtime) node->mtime = info.mtime;
  if (info.valid & posix_valid::kMtimeNow) node->mtime = now;
  node->ctime = (info.valid & posix_valid::kCtime) ? info.ctime : now;
  return NtStatus::Success;
}

NtStatus MemFs::SetBasicInformation(const OperationContext&, NodeRef nodeRef,
                                    const FileBasicInfo& info) {
  Node* node = NodeOf(nodeRef);
  std::unique_lock lock(node->mutex);
  if (IsSet(info.creationTime)) node->btime = info.creationTime;
  if (IsSet(info.lastAccessTime)) node->atime = info.lastAccessTime;
  if (IsSet(info.lastWriteTime)) node->mtime = info.lastWriteTime;
  node->ctime = IsSet(info.changeTime) ? info.changeTime : Now();
  // FILE_ATTRIBUTE_NORMAL alone means "no attributes" (and 0 means "leave as is").
  if (info.attributes) node->attributes = info.attributes & ~kDerivedAttributes;
  return NtStatus::Success;
}

NtStatus MemFs::GetEa(const OperationContext&, NodeRef nodeRef, std::string_view name, void* buffer,
                      uint32_t bufferLength, uint32_t* length) {
  Node* node = NodeOf(nodeRef);
  *length = 0;
  if (NtStatus s = XattrSet::ValidateName(name); !NtSuccess(s)) return s;
  std::shared_lock lock(node->mutex);
  const std::string* value = node->xattrs.Find(name);
  if (!value) return NtStatus::NonexistentEaEntry;
  *length = static_cast<uint32_t>(value->size());
  if (bufferLength < value->size()) return NtStatus::BufferTooSmall;
  if (!value->empty()) std::memcpy(buffer, value->data(), value->size());
  return NtStatus::Success;
}

NtStatus MemFs::ListEa(const OperationContext&, NodeRef nodeRef, char* buffer,
                       uint32_t bufferLength, uint32_t* length) {
  Node* node = NodeOf(nodeRef);
  std::shared_lock lock(node->mutex);
  *length = node->xattrs.ListLength();
  if (bufferLength < *length) return NtStatus::BufferTooSmall;
  node->xattrs.List(buffer);
  return NtStatus::Success;
}

NtStatus MemFs::SetEa(const OperationContext&, NodeRef nodeRef, std::string_view name,
                      const void* value, uint32_t valueLength, uint32_t flags) {
  Node* node = NodeOf(nodeRef);
  if (NtStatus s = XattrSet::ValidateName(name); !NtSuccess(s)) return s;
  bool remove = flags & ea_flag::kRemove;
  if (!remove && valueLength > kMaxXattrValueLength) return NtStatus::EaTooLarge;
  // Linux keeps user.* off symlinks and special files, whose permission bits do not
  // govern their content.
  if (name.starts_with("user.") && !node->isRegular() && !node->isDirectory()) {
    return NtStatus::NotPermitted;
  }

  std::unique_lock lock(node->mutex);
  const std::string* existing = node->xattrs.Find(name);
  if (remove) {
    if (!existing) return NtStatus::NonexistentEaEntry;
    uint64_t cost = XattrSet::Cost(name, existing->size());
    node->xattrs.Erase(name);
    capacity_.ReleaseBytes(cost);
  } else {
    if ((flags & ea_flag::kCreate) && existing) return NtStatus::ObjectNameCollision;
    if ((flags & ea_flag::kReplace) && !existing) return NtStatus::NonexistentEaEntry;
    uint64_t oldCost = existing ? XattrSet::Cost(name, existing->size()) : 0;
    uint64_t newCost = XattrSet::Cost(name, valueLength);
    if (newCost > oldCost && !capacity_.TryChargeBytes(newCost - oldCost)) {
      return NtStatus::DiskFull;
    }
    try {
      node->xattrs.Set(name, valueLength
                                 ? std::string_view(static_cast<const char*>(value), valueLength)
                                 : std::string_view());
    } catch (...) {
      if (newCost > oldCost) capacity_.ReleaseBytes(newCost - oldCost);
      throw;
    }
    if (oldCost > newCost) capacity_.ReleaseBytes(oldCost - newCost);
  }
  node->ctime = Now();
  return NtStatus::Success;
}

}  // namespace irpfs::memfs
