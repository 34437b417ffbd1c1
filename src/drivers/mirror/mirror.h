// mirror: a host directory served through the class driver (libfuse's passthrough,
// Dokan's and WinFsp's mirror sample), as a MiniFileSystem.
//
// Safety: every node is an O_PATH | O_NOFOLLOW descriptor (node.h) and every host call is
// relative to one, with a single name component. Lookups use openat2 with RESOLVE_BENEATH,
// RESOLVE_NO_MAGICLINKS and RESOLVE_NO_SYMLINKS: a symlink becomes a node of its own and
// is returned by ReadLink, never followed by the server; ".", ".." and names with '/' are
// refused before the host sees them. See docs/mirror.md for the whole model.
//
// Identity: when the server runs as root, each request that touches permissions runs
// with the caller's fsuid/fsgid/groups on the dispatching thread (identity.h).
//
// Opens: Open gives each open of a regular file with data access its own descriptor
// (open_file.h), reopened from one of the node's parent descriptors and names with openat2
// and checked against the node's (dev, ino); only a file no name leads to any more is
// reopened through its /proc/self/fd link (mirror_data.cpp says why). The descriptor is
// closed at CLEANUP. A directory opened for listing gets a directory stream instead
// (dir_stream.h), which its enumerations continue. Other opens carry no descriptor.
//
// Threads: every callback may run on any thread at once. Node names are guarded per node
// (node.h); the node table's and the device index's mutexes are leaves.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "drivers/mirror/dir_read_ahead.h"
#include "drivers/mirror/identity.h"
#include "drivers/mirror/lock_waiters.h"
#include "drivers/mirror/mirror_options.h"
#include "drivers/mirror/node.h"
#include "drivers/mirror/open_file.h"
#include "fsclass/mini_fs.h"

namespace irpfs::mirror {

class MirrorFs final : public fsclass::MiniFileSystem {
 public:
  // Opens `options.source`; the volume serves it from then on, whatever happens to that path.
  static NtStatus Open(const MirrorOptions& options, std::shared_ptr<MirrorFs>* out);
  ~MirrorFs() override;
  MirrorFs(const MirrorFs&) = delete;
  MirrorFs& operator=(const MirrorFs&) = delete;

  // Live nodes (descriptors) besides the root, for tests and leak checks.
  size_t LiveNodes();
  // Directory read-aheads done so far, and whether none is pending (tests).
  uint64_t DirReadAheads() const { return readAhead_.completed(); }
  bool DirReadAheadIdle() const { return readAhead_.idle(); }

  // FUSE passthrough (docs/mirror.md): the host descriptor holding this open's data, for
  // the transport to register as a backing file. It stays the open's: the caller dups or
  // registers it before the open's CLEANUP. STATUS_INVALID_HANDLE for an open without a
  // descriptor (not a regular file, no data access), STATUS_FILE_CLOSED after CLEANUP.
  NtStatus GetBackingDescriptor(const fsclass::OperationContext& ctx, fsclass::NodeRef node,
                                void* openContext, int* fd) override;

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

  NtStatus Open(const fsclass::OperationContext& ctx, fsclass::NodeRef node, uint32_t grantedAccess,
                uint32_t openFlags, void** openContext) override;
  void Cleanup(const fsclass::OperationContext& ctx, fsclass::NodeRef node,
               void* openContext) override;
  void Close(fsclass::NodeRef node, void* openContext) override;

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
  // mirror_copy.cpp: copy_file_range(2) between the two opens' host descriptors.
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

  // Host locks (mirror_locks.cpp): record locks as OFD locks per (node, lock owner), flock
  // on the open's descriptor; other node types fall back to the class driver's tables.
  NtStatus Lock(const fsclass::OperationContext& ctx, fsclass::NodeRef node, void* openContext,
                const fsclass::LockRequest& request, LockConflictInfo* conflict) override;
  // Blocking lock waits not completed yet, for tests.
  size_t PendingLockWaits();

 private:
  MirrorFs(const MirrorOptions& options, Node* root);

  static Node* NodeOf(fsclass::NodeRef ref) { return static_cast<Node*>(ref.context); }
  static fsclass::NodeRef RefOf(Node* node) { return {node->fileId, node}; }

  // The fileId of an inode: its number on the source's own device; on a device mounted
  // below the source, a per-device index in the top 16 bits over the low 48 of the number.
  uint64_t FileIdOf(dev_t dev, ino_t ino);
  void FillStat(const struct statx& stx, FileStat* stat);
  // Turns an O_PATH descriptor for `name` in `dir` into a node (one reference) named so.
  NtStatus AdoptNode(int fd, Node* dir, std::string_view name, Node** out);
  // The same, with the descriptor's statx already taken.
  Node* AdoptNode(int fd, const struct statx& stx, Node* dir, std::string_view name);
  // Opens `name` in `dir` as a node.
  NtStatus LookupNode(Node* dir, std::string_view name, Node** out);
  // mirror_dir.cpp: hands `filler` the entries after `afterCookie` from `stream`, opening
  // the directory into it first when it has no descriptor yet. `readAheadOf`, when
  // given, is the stream to queue for read-ahead as soon as a long listing shows.
  NtStatus ReadDirectory(Node* dir, DirStream& stream, uint64_t afterCookie,
                         fsclass::DirectoryFiller& filler,
                         const std::shared_ptr<DirStream>* readAheadOf = nullptr);
  // Opens the node for I/O with `flags` (no O_CREAT): by its parent and name, checked
  // against its inode; a directory without a name through ".". -errno on failure.
  int Reopen(Node* node, int flags);
  // The read-write descriptor Create kept, made fit for an open with `flags` (O_APPEND,
  // O_DIRECT, O_NOATIME); -1 (and closed) when it cannot be.
  static int AdoptCreatedFd(int created, int flags);
  // Runs an xattr call on the node: atCall(dirFd, name) where the getxattrat family
  // exists, else fdCall(reopened descriptor). Returns the call's result or -errno.
  template <class AtCall, class FdCall>
  ssize_t XattrCall(Node* node, AtCall atCall, FdCall fdCall);
  // chmod of the node with the current thread's identity; -errno on failure.
  int ChmodHost(Node* node, mode_t mode);
  // Whether `mode` is the node's mode with some set-ID bits cleared and nothing else changed.
  static bool DropsOnlySetIdBits(Node* node, uint32_t mode);
  static bool HasSetIdBits(int fd);
  // After a write by root that the kernel found without CAP_FSETID: the host saw the
  // server's root, which keeps set-ID bits, so they are dropped here by the kernel's rule.
  static void DropSetIdBitsAfterRootWrite(int fd, const Requestor& requestor);
  // Whether the requestor may write the node (the host decides, with its identity).
  bool CallerMayWrite(const fsclass::OperationContext& ctx, Node* node);
  // Reopens a regular file none of whose names leads to it any more (see mirror_data.cpp).
  int ReopenNameless(Node* node, int flags);
  // Updates the table after `name` in `dir` stopped naming the node (dev, ino).
  void NameGone(Node* dir, std::string_view name, dev_t dev, ino_t ino);
  // Records that the node (dev, ino), if the mirror knows it, moved from one name to another.
  void NameMoved(Node* fromDir, std::string_view fromName, Node* toDir, std::string_view toName,
                 dev_t dev, ino_t ino);
  // Calls call(parentFd, name) for the node's known names, most recent first, until one
  // gives something other than -ENOENT; returns that, or -ENOENT.
  template <class Call>
  int ForEachName(Node* node, Call call) {
    char name[256];
    for (size_t i = 0; i < Node::kMaxNames; ++i) {
      Node* parent = node->NameAt(i, name);
      if (parent == nullptr) break;
      int r = call(parent->fd, name);
      table_.Release(parent);
      if (r != -ENOENT) return r;
    }
    return -ENOENT;
  }

  // mirror_locks.cpp.
  NtStatus FlockLock(const fsclass::OperationContext& ctx, void* openContext,
                     const fsclass::LockRequest& request);
  NtStatus RecordLock(const fsclass::OperationContext& ctx, Node* node, void* openContext,
                      const fsclass::LockRequest& request, LockConflictInfo* conflict);
  NtStatus TakeRecordLock(const fsclass::OperationContext& ctx, Node* node, void* openContext,
                          const fsclass::LockRequest& request);
  NtStatus QueryRecordLock(Node* node, void* openContext, const fsclass::LockRequest& request,
                           LockConflictInfo* conflict);
  // The owner's lock descriptor on the node, opened at its first lock; null with *error.
  std::shared_ptr<HostFd> LockOwnerFd(Node* node, uint64_t owner, void* openContext, int* error);
  // The pid to report for a conflicting OFD lock (whose l_pid the host gives as -1).
  pid_t HolderPid(Node* node, uint64_t asker, const struct flock& found);
  // At the open's CLEANUP: its lock waits are canceled and its flock released.
  void CleanupLocks(void* openContext);

  const MirrorOptions options_;
  IdentitySwitcher identity_;
  NodeTable table_;
  Node* root_;
  dev_t rootDev_;

  std::mutex devicesMutex_;
  std::unordered_map<dev_t, uint64_t> deviceIndex_;  // devices below the root, by index

  DirReadAhead readAhead_;

  // Last, so it goes first: its destructor waits for the waiter threads.
  LockWaiters lockWaiters_;
};

// A name component the mirror passes to the host, NUL-terminated: not empty, not "." or
// "..", no '/' or NUL, at most 255 bytes. The class driver checks the same; the mirror
// checks again because a name reaching the host is the one thing that could walk out of
// the root.
struct Component {
  char text[256];
};
NtStatus MakeComponent(std::string_view name, Component* out);

}  // namespace irpfs::mirror
