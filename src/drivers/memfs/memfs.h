// memfs: a file system that keeps everything in memory, as a MiniFileSystem for the irpfs
// class driver.
//
// Files, directories, symlinks, hard links, special files (mknod), xattrs, sparse files
// (holes cost no memory), fallocate, SEEK_DATA/SEEK_HOLE and renameat2-style renames, in
// a volume of bounded capacity (bytes and inodes). Timestamps have nanoseconds; reads do
// not update atime (as a noatime mount), everything else follows Linux.
//
// NodeRef.context is the Node*; NodeRef.fileId its inode number. The root has inode 1 and
// belongs to the volume (Root() takes no reference); Lookup and Create hand out a
// reference that Forget returns.
//
// Threads: every callback may run on any thread, concurrently. See the lock order below.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "drivers/memfs/capacity.h"
#include "drivers/memfs/memfs_options.h"
#include "drivers/memfs/names.h"
#include "drivers/memfs/node.h"
#include "fsclass/mini_fs.h"

namespace irpfs::memfs {

inline constexpr uint64_t kRootId = 1;
inline constexpr uint32_t kMaxLinks = 65000;

class MemFs final : public fsclass::MiniFileSystem {
 public:
  explicit MemFs(const MemfsOptions& options = {});
  ~MemFs() override;
  MemFs(const MemFs&) = delete;
  MemFs& operator=(const MemFs&) = delete;

  const Capacity& capacity() const { return capacity_; }

  fsclass::NodeRef Root() override;
  NtStatus GetVolumeInformation(FsVolumeInfo* volume, FsAttributeInfo* attributes) override;
  NtStatus GetDiskFreeSpace(FsFullSizeInfo* size) override;

  NtStatus Lookup(const fsclass::OperationContext& ctx, fsclass::NodeRef dir, std::string_view name,
                  fsclass::NodeRef* out) override;
  void Forget(fsclass::NodeRef node) override;
  NtStatus Create(const fsclass::OperationContext& ctx, fsclass::NodeRef dir, std::string_view name,
                  const fsclass::NewNodeSpec& spec, fsclass::NodeRef* out) override;
  NtStatus Remove(const fsclass::OperationContext& ctx, fsclass::NodeRef dir,
                  std::string_view name) override;
  NtStatus CanRemove(const fsclass::OperationContext& ctx, fsclass::NodeRef dir,
                     std::string_view name, fsclass::NodeRef node) override;
  NtStatus Move(const fsclass::OperationContext& ctx, fsclass::NodeRef fromDir,
                std::string_view fromName, fsclass::NodeRef toDir, std::string_view toName,
                uint32_t flags) override;
  NtStatus Link(const fsclass::OperationContext& ctx, fsclass::NodeRef node, fsclass::NodeRef toDir,
                std::string_view toName) override;
  NtStatus ReadLink(const fsclass::OperationContext& ctx, fsclass::NodeRef node, char* buffer,
                    uint32_t bufferLength, uint32_t* length) override;

  NtStatus Read(const fsclass::OperationContext& ctx, fsclass::NodeRef node, void* openContext,
                void* buffer, uint32_t length, uint64_t offset, uint32_t* bytesRead) override;
  NtStatus Write(const fsclass::OperationContext& ctx, fsclass::NodeRef node, void* openContext,
                 const void* buffer, uint32_t length, uint64_t offset, bool append,
                 uint32_t* bytesWritten, uint64_t* writeOffset) override;
  NtStatus Flush(const fsclass::OperationContext& ctx, fsclass::NodeRef node, void* openContext,
                 bool dataOnly) override;

  NtStatus GetFileInformation(const fsclass::OperationContext& ctx, fsclass::NodeRef node,
                              FileStat* stat) override;
  NtStatus SetFileInformation(const fsclass::OperationContext& ctx, fsclass::NodeRef node,
                              void* openContext, const FilePosixInfo& info) override;
  NtStatus SetBasicInformation(const fsclass::OperationContext& ctx, fsclass::NodeRef node,
                               const FileBasicInfo& info) override;
  NtStatus Allocate(const fsclass::OperationContext& ctx, fsclass::NodeRef node, void* openContext,
                    uint64_t offset, uint64_t length, uint32_t mode) override;
  NtStatus SeekData(const fsclass::OperationContext& ctx, fsclass::NodeRef node, uint32_t whence,
                    uint64_t* offset) override;
  // memfs_copy.cpp: chunk by chunk, holes of the source stay holes.
  NtStatus CopyRange(const fsclass::OperationContext& ctx, fsclass::NodeRef srcNode, void* srcOpen,
                     uint64_t srcOffset, fsclass::NodeRef dstNode, void* dstOpen,
                     uint64_t dstOffset, uint64_t length, uint64_t* copied) override;

  NtStatus FindFiles(const fsclass::OperationContext& ctx, fsclass::NodeRef dir, void* openContext,
                     uint64_t afterCookie, fsclass::DirectoryFiller& filler) override;

  NtStatus GetEa(const fsclass::OperationContext& ctx, fsclass::NodeRef node, std::string_view name,
                 void* buffer, uint32_t bufferLength, uint32_t* length) override;
  NtStatus ListEa(const fsclass::OperationContext& ctx, fsclass::NodeRef node, char* buffer,
                  uint32_t bufferLength, uint32_t* length) override;
  NtStatus SetEa(const fsclass::OperationContext& ctx, fsclass::NodeRef node, std::string_view name,
                 const void* value, uint32_t valueLength, uint32_t flags) override;

 private:
  static Node* NodeOf(fsclass::NodeRef ref) { return static_cast<Node*>(ref.context); }
  // Hands a new reference on `node` to the class driver.
  static fsclass::NodeRef HandOut(Node* node) {
    node->AddRef();
    return {node->id, node};
  }

  NtStatus LookupParent(Node* dir, fsclass::NodeRef* out);
  NtStatus BackRange(Node* node, uint64_t offset, uint64_t end);
  // What Linux takes from a file whose content changes (caller holds node->mutex
  // exclusively): its file capabilities always, set-user-ID and set-group-ID unless the
  // changer is root. A dropped bit is reported (ctx.ReportAttributesChanged) for the
  // kernel's cached mode. Over FUSE with FUSE_HANDLE_KILLPRIV_V2, and in process, only
  // the file system drops them; without it the kernel asks first (SETATTR, REMOVEXATTR).
  void DropPrivileges(Node* node, const fsclass::OperationContext& ctx);
  void DropFileCapabilities(Node* node);
  static bool HasPrivilegesToDrop(const Node* node, const fsclass::OperationContext& ctx);

  const MemfsOptions options_;
  Capacity capacity_;
  uint32_t serialNumber_ = 0;
  std::atomic<uint64_t> nextId_{kRootId + 1};

  // Lock order, outermost first. Never take a lock that comes earlier in this list while
  // holding a later one.
  //   1. renameMutex_ (volume): held by everything that changes the tree of directories
  //      (a rename between directories, a rename that replaces a directory, removing a
  //      directory) and by ".." lookups. While it is held, Node::parent and
  //      Directory::unlinked of every directory stay as they are.
  //   2. Directory::mutex(). Only a holder of renameMutex_ takes two or more, and then all
  //      at once in inode-number order (DirectoryLocks): the source and target of a
  //      rename and a directory it replaces, or a directory and the subdirectory being
  //      removed. Every other thread holds at most one.
  //   3. Node::mutex: one at a time, after any directory lock. The one exception is
  //      CopyRange, which holds the source's and the destination's at once, taken in
  //      inode-number order; it takes no other lock, so no cycle can form.
  //   4. Stripes (stripe_locks.h): leaves, one at a time, under a node mutex, for the
  //      bytes of one chunk or a node's mtime/ctime (in-place writes, memfs_data.cpp).
  std::mutex renameMutex_;

  NodePtr root_;  // declared last: torn down first (see ~MemFs)
};

}  // namespace irpfs::memfs
