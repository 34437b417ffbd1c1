#include "test_fs.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "core/io_manager.h"

namespace irpfs::fsclass::testing {

TestFs::TestFs() {
  nodes_[1].mode = S_IFDIR | 0755;
}

NodeRef TestFs::Root() {
  return {1, nullptr};
}

TestFs::Node* TestFs::Find(uint64_t id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

void TestFs::AddEntry(Node& dir, std::string_view name, uint64_t id) {
  uint64_t cookie = dir.nextCookie++;
  dir.entries[cookie] = {std::string(name), id};
  dir.byName.emplace(std::string(name), cookie);
}

void TestFs::RemoveEntry(Node& dir, std::string_view name) {
  auto it = dir.byName.find(name);
  dir.entries.erase(it->second);
  dir.byName.erase(it);
}

NtStatus TestFs::Lookup(const OperationContext&, NodeRef dir, std::string_view name, NodeRef* out) {
  if (throwOnLookup) throw std::runtime_error("mini bug");
  std::lock_guard lock(mutex_);
  Node* d = Find(dir.fileId);
  if (!d || !S_ISDIR(d->mode)) return NtStatus::NotADirectory;
  auto it = d->byName.find(name);
  if (it == d->byName.end()) return NtStatus::ObjectNameNotFound;
  *out = {d->entries[it->second].second, nullptr};
  ++nodeRefs;
  return NtStatus::Success;
}

void TestFs::Forget(NodeRef) {
  --nodeRefs;
}

NtStatus TestFs::Create(const OperationContext&, NodeRef dir, std::string_view name,
                        const NewNodeSpec& spec, NodeRef* out) {
  std::lock_guard lock(mutex_);
  Node* d = Find(dir.fileId);
  if (!d || !S_ISDIR(d->mode)) return NtStatus::NotADirectory;
  if (d->byName.count(name)) return NtStatus::ObjectNameCollision;
  uint64_t id = nextId_++;
  Node& n = nodes_[id];
  d = Find(dir.fileId);  // the map may have rehashed
  n.mode = spec.mode;
  n.uid = spec.uid;
  n.gid = spec.gid;
  n.attributes = spec.attributes;
  n.data = std::string(spec.symlinkTarget);
  AddEntry(*d, name, id);
  *out = {id, nullptr};
  ++nodeRefs;
  return NtStatus::Success;
}

NtStatus TestFs::Remove(const OperationContext&, NodeRef dir, std::string_view name) {
  std::lock_guard lock(mutex_);
  Node* d = Find(dir.fileId);
  auto it = d->byName.find(name);
  if (it == d->byName.end()) return NtStatus::ObjectNameNotFound;
  Node* n = Find(d->entries[it->second].second);
  if (S_ISDIR(n->mode) && !n->entries.empty()) return NtStatus::DirectoryNotEmpty;
  --n->nlink;
  RemoveEntry(*d, name);
  return NtStatus::Success;
}

NtStatus TestFs::Move(const OperationContext&, NodeRef fromDir, std::string_view fromName,
                      NodeRef toDir, std::string_view toName, uint32_t flags) {
  std::lock_guard lock(mutex_);
  Node* from = Find(fromDir.fileId);
  Node* to = Find(toDir.fileId);
  auto it = from->byName.find(fromName);
  if (it == from->byName.end()) return NtStatus::ObjectNameNotFound;
  uint64_t id = from->entries[it->second].second;
  auto target = to->byName.find(toName);
  if (target != to->byName.end()) {
    if (!(flags & rename_flag::kReplaceIfExists)) return NtStatus::ObjectNameCollision;
    --Find(to->entries[target->second].second)->nlink;
    RemoveEntry(*to, toName);
  }
  RemoveEntry(*from, fromName);
  AddEntry(*to, toName, id);
  return NtStatus::Success;
}

NtStatus TestFs::Link(const OperationContext&, NodeRef node, NodeRef toDir,
                      std::string_view toName) {
  std::lock_guard lock(mutex_);
  Node* to = Find(toDir.fileId);
  if (to->byName.count(toName)) return NtStatus::ObjectNameCollision;
  ++Find(node.fileId)->nlink;
  AddEntry(*to, toName, node.fileId);
  return NtStatus::Success;
}

NtStatus TestFs::ReadLink(const OperationContext&, NodeRef node, char* buffer,
                          uint32_t bufferLength, uint32_t* length) {
  std::lock_guard lock(mutex_);
  const std::string& target = Find(node.fileId)->data;
  *length = static_cast<uint32_t>(target.size());
  std::memcpy(buffer, target.data(), std::min<size_t>(bufferLength, target.size()));
  return NtStatus::Success;
}

NtStatus TestFs::Open(const OperationContext&, NodeRef, uint32_t, uint32_t openFlags,
                      void** openContext) {
  lastOpenFlags = openFlags;
  if (failOpen) return NtStatus::AccessDenied;
  // Opaque to the class driver: a distinct value per open lets tests tell opens apart.
  *openContext = reinterpret_cast<void*>(++openSerial);
  lastOpenContext = *openContext;
  ++openCount;
  return NtStatus::Success;
}

void TestFs::Close(NodeRef, void*) {
  --openCount;
}

NtStatus TestFs::Read(const OperationContext&, NodeRef node, void*, void* buffer, uint32_t length,
                      uint64_t offset, uint32_t* bytesRead) {
  if (throwOnRead) throw std::runtime_error("mini bug");
  std::lock_guard lock(mutex_);
  const std::string& data = Find(node.fileId)->data;
  size_t start = std::min<size_t>(offset, data.size());
  size_t count = std::min<size_t>(length, data.size() - start);
  std::memcpy(buffer, data.data() + start, count);
  *bytesRead = static_cast<uint32_t>(count);
  return NtStatus::Success;
}

NtStatus TestFs::Write(const OperationContext&, NodeRef node, void*, const void* buffer,
                       uint32_t length, uint64_t offset, bool append, uint32_t* bytesWritten,
                       uint64_t* writeOffset) {
  std::lock_guard lock(mutex_);
  std::string& data = Find(node.fileId)->data;
  if (append) offset = data.size();
  if (data.size() < offset + length) data.resize(offset + length);
  std::memcpy(data.data() + offset, buffer, length);
  *bytesWritten = length;
  *writeOffset = offset;
  return NtStatus::Success;
}

NtStatus TestFs::CopyRange(const OperationContext& ctx, NodeRef srcNode, void* srcOpen,
                           uint64_t srcOffset, NodeRef dstNode, void* dstOpen, uint64_t dstOffset,
                           uint64_t length, uint64_t* copied) {
  if (copyUnsupported) {
    return MiniFileSystem::CopyRange(ctx, srcNode, srcOpen, srcOffset, dstNode, dstOpen, dstOffset,
                                     length, copied);
  }
  ++copyCalls;
  std::lock_guard lock(mutex_);
  std::string from = Find(srcNode.fileId)->data;
  std::string& to = Find(dstNode.fileId)->data;
  *copied = srcOffset >= from.size() ? 0 : std::min<uint64_t>(length, from.size() - srcOffset);
  uint64_t piece = copyPieceThenCancel.load();
  bool stopEarly = piece != 0 && piece < *copied;
  if (stopEarly) *copied = piece;
  if (*copied == 0) return NtStatus::Success;
  if (to.size() < dstOffset + *copied) to.resize(dstOffset + *copied);
  to.replace(dstOffset, *copied, from, srcOffset, *copied);
  if (!stopEarly) return NtStatus::Success;
  IoCancelIrp(ctx.irp);
  return ctx.Cancelled() ? NtStatus::Cancelled : NtStatus::InternalError;
}

NtStatus TestFs::GetFileInformation(const OperationContext&, NodeRef node, FileStat* stat) {
  std::lock_guard lock(mutex_);
  Node* n = Find(node.fileId);
  *stat = FileStat{};
  stat->fileId = node.fileId;
  stat->mode = n->mode;
  stat->nlink = n->nlink;
  stat->uid = n->uid;
  stat->gid = n->gid;
  stat->size = S_ISDIR(n->mode) ? 0 : n->data.size();
  stat->attributes = n->attributes;
  return NtStatus::Success;
}

NtStatus TestFs::SetFileInformation(const OperationContext&, NodeRef node, void*,
                                    const FilePosixInfo& info) {
  std::lock_guard lock(mutex_);
  Node* n = Find(node.fileId);
  if (info.valid & posix_valid::kSize) n->data.resize(info.size);
  if (info.valid & posix_valid::kMode) n->mode = (n->mode & S_IFMT) | (info.mode & 07777);
  return NtStatus::Success;
}

NtStatus TestFs::FindFiles(const OperationContext&, NodeRef dir, void* openContext,
                           uint64_t afterCookie, DirectoryFiller& filler) {
  lastFindNeedsFullStat = filler.NeedsFullStat() ? 1 : 0;
  lastFindOpenContext = openContext;
  std::unique_lock lock(mutex_);
  Node* d = Find(dir.fileId);
  for (auto it = d->entries.upper_bound(afterCookie); it != d->entries.end(); ++it) {
    Node* n = Find(it->second.second);
    FileStat stat;
    stat.fileId = it->second.second;
    stat.mode = n->mode;
    stat.size = n->data.size();
    if (!filler.Add(it->second.first, it->first, stat)) break;
  }
  return NtStatus::Success;
}

NtStatus TestFs::GetEa(const OperationContext&, NodeRef node, std::string_view name, void* buffer,
                       uint32_t bufferLength, uint32_t* length) {
  std::lock_guard lock(mutex_);
  Node* n = Find(node.fileId);
  auto it = n->xattrs.find(name);
  if (it == n->xattrs.end()) return NtStatus::NoEasOnFile;
  *length = static_cast<uint32_t>(it->second.size());
  if (bufferLength < it->second.size()) return NtStatus::BufferTooSmall;
  std::memcpy(buffer, it->second.data(), it->second.size());
  return NtStatus::Success;
}

NtStatus TestFs::SetEa(const OperationContext&, NodeRef node, std::string_view name,
                       const void* value, uint32_t valueLength, uint32_t) {
  std::lock_guard lock(mutex_);
  Find(node.fileId)->xattrs[std::string(name)] =
      std::string(static_cast<const char*>(value), valueLength);
  return NtStatus::Success;
}

uint64_t TestFs::Resolve(const std::string& path) {
  uint64_t id = 1;
  size_t pos = 1;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    std::string name = path.substr(pos, slash == std::string::npos ? slash : slash - pos);
    Node* d = Find(id);
    auto it = d->byName.find(name);
    if (it == d->byName.end()) return 0;
    id = d->entries[it->second].second;
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return id;
}

bool TestFs::Exists(const std::string& path) {
  std::lock_guard lock(mutex_);
  return Resolve(path) != 0;
}

std::string TestFs::Content(const std::string& path) {
  std::lock_guard lock(mutex_);
  return Find(Resolve(path))->data;
}

void TestFs::SetAttributes(const std::string& path, uint32_t attributes) {
  std::lock_guard lock(mutex_);
  Find(Resolve(path))->attributes = attributes;
}

uint32_t TestFs::ModeOf(const std::string& path) {
  std::lock_guard lock(mutex_);
  return Find(Resolve(path))->mode;
}

uint32_t TestFs::UidOf(const std::string& path) {
  std::lock_guard lock(mutex_);
  return Find(Resolve(path))->uid;
}

}  // namespace irpfs::fsclass::testing
