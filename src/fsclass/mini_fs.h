// The callback table of a file system on the irpfs class driver (the "mini" half of the
// driver pair, in the spirit of Dokan's DOKAN_OPERATIONS and WinFsp's
// FSP_FILE_SYSTEM_INTERFACE).
//
// The class driver (fs_class_driver.h) owns the IRP boilerplate: FCB/CCB lifetimes, path
// walking, share access, delete-on-close, directory enumeration buffers and patterns,
// byte-range locks, parameter validation. A mini file system only answers questions about
// its nodes. Every callback is optional: the defaults return STATUS_INVALID_DEVICE_REQUEST
// (ENOSYS), so a read-only file system overrides a handful.
//
// Nodes, not paths: callbacks get the mini's own node handles (NodeId + the context it
// returned), so renames of open files and deep trees cost nothing. The class driver holds
// one reference on a node for as long as its FCB lives and calls Forget when it goes.
//
// Threads: callbacks run on whatever thread dispatches the IRP, many at once. The class
// driver serializes nothing except what it documents per callback; locking inside the
// mini is the mini's business. Callbacks must not throw: the class driver catches and
// turns an escaping exception into STATUS_INTERNAL_ERROR, but that is a bug report.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/fs_info.h"
#include "core/irp.h"
#include "core/status.h"

namespace irpfs::fsclass {

// The mini's handle for one node: its inode number and an opaque pointer of its own.
struct NodeRef {
  uint64_t fileId = 0;
  void* context = nullptr;
};

// Who is asking and on which IRP (for credentials, for minis that pend, and for long
// operations that stop early when the IRP is cancelled).
// What a write must do to the file's set-ID bits (rw_flag::kDropSetId / kKeepSetId).
enum class SetIdOnWrite : uint8_t {
  kByRequestor,  // unknown: judge by the requestor (uid 0 stands for CAP_FSETID)
  kDrop,         // the writer lacks CAP_FSETID: drop them, whoever it is
  kKeep,         // the writer holds CAP_FSETID: they stay
};

struct OperationContext {
  Requestor requestor;
  Irp* irp = nullptr;
  // WRITE only.
  SetIdOnWrite setIdOnWrite = SetIdOnWrite::kByRequestor;

  // IoCancelIrp was called on the IRP (a FUSE_INTERRUPT, CancelIoEx).
  bool Cancelled() const { return irp != nullptr && irp->cancel.load(std::memory_order_relaxed); }
  // The operation changed the node's mode as a side effect (a write, truncate, fallocate
  // or copy dropped set-ID bits): the transport drops the kernel's cached attributes
  // before it answers, so nothing acts on the old mode (irp_flag::kAttributesChanged).
  void ReportAttributesChanged() const {
    if (irp != nullptr) irp->flags |= irp_flag::kAttributesChanged;
  }
};

// What a create makes.
struct NewNodeSpec {
  uint32_t mode = 0;  // S_IF* type | permission bits (umask already applied)
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t rdev = 0;
  uint32_t attributes = 0;         // FILE_ATTRIBUTE_*
  std::string_view symlinkTarget;  // S_IFLNK only
};

// One LOCK_CONTROL for a mini that keeps locks itself (MiniFileSystem::Lock).
struct LockRequest {
  uint8_t minor = 0;  // minor::kLock, kUnlockSingle, kUnlockAll, kUnlockAllByKey, kQueryLock
  LockSpace space = LockSpace::kRange;
  uint64_t start = 0;
  uint64_t end = 0;    // exclusive; UINT64_MAX = to the end of the file however it grows
  uint64_t owner = 0;  // never 0: an NT-style lock's owner is its file object's address
  uint32_t key = 0;
  pid_t pid = 0;           // of the requesting process, for F_GETLK answers
  bool exclusive = false;  // kLock, kQueryLock: a write lock
  bool wait = false;       // kLock: block until granted (F_SETLKW, flock without LOCK_NB)
};

// Receives directory entries; returns false when the caller's buffer is full (the entry
// was not taken, the enumeration stops and resumes at that entry next time).
class DirectoryFiller {
 public:
  virtual bool Add(std::string_view name, uint64_t cookie, const FileStat& stat) = 0;
  // False when the caller reads only each entry's fileId and the type bits of its mode
  // (a plain FUSE READDIR, an emptiness probe): the mini may then leave the other fields
  // of `stat` zero and save fetching them. The fileId must still be the one a stat of
  // the entry reports.
  virtual bool NeedsFullStat() const { return true; }

 protected:
  ~DirectoryFiller() = default;
};

class MiniFileSystem {
 public:
  virtual ~MiniFileSystem() = default;

  // ---- Volume.
  virtual NodeRef Root() = 0;
  virtual NtStatus GetVolumeInformation(FsVolumeInfo* volume, FsAttributeInfo* attributes);
  virtual NtStatus GetDiskFreeSpace(FsFullSizeInfo* size);

  // ---- Names. Lookup and Create return a node with one reference taken for the caller.
  virtual NtStatus Lookup(const OperationContext& ctx, NodeRef dir, std::string_view name,
                          NodeRef* out);
  // Drops one reference taken by Lookup or Create.
  virtual void Forget(NodeRef node);
  // Makes a new name in dir. STATUS_OBJECT_NAME_COLLISION if the name exists.
  virtual NtStatus Create(const OperationContext& ctx, NodeRef dir, std::string_view name,
                          const NewNodeSpec& spec, NodeRef* out);
  // Removes a name (unlink, or rmdir when the node is a directory, which must be empty:
  // STATUS_DIRECTORY_NOT_EMPTY). The node lives on while referenced.
  virtual NtStatus Remove(const OperationContext& ctx, NodeRef dir, std::string_view name);
  // Whether Remove would succeed now (NT checks at set-disposition time, deletes at
  // cleanup). Default: success.
  virtual NtStatus CanRemove(const OperationContext& ctx, NodeRef dir, std::string_view name,
                             NodeRef node);
  // rename / renameat2: flags are rename_flag:: bits (kReplaceIfExists, kExchange).
  virtual NtStatus Move(const OperationContext& ctx, NodeRef fromDir, std::string_view fromName,
                        NodeRef toDir, std::string_view toName, uint32_t flags);
  // Hard link: a new name for node.
  virtual NtStatus Link(const OperationContext& ctx, NodeRef node, NodeRef toDir,
                        std::string_view toName);
  // Symlink target into buffer; *length receives the full target length.
  virtual NtStatus ReadLink(const OperationContext& ctx, NodeRef node, char* buffer,
                            uint32_t bufferLength, uint32_t* length);

  // ---- Opens. Open runs for each successful IRP_MJ_CREATE of the node (after the class
  // driver checked share access); *openContext is the mini's per-open state, handed back
  // to the calls below. Cleanup runs at the last handle of that open, Close at its last
  // reference. openFlags are the open(2) flags; O_CREAT is set exactly when this create
  // made the node, whose creator may open it whatever mode it was given (POSIX).
  virtual NtStatus Open(const OperationContext& ctx, NodeRef node, uint32_t grantedAccess,
                        uint32_t openFlags, void** openContext);
  virtual void Cleanup(const OperationContext& ctx, NodeRef node, void* openContext);
  virtual void Close(NodeRef node, void* openContext);
  // The host descriptor that holds this open's data (FileBackingDescriptorInformation),
  // for a transport to hand the kernel (FUSE passthrough): READ and WRITE of the open may
  // then bypass the stack. *fd stays the mini's, valid until the open's Cleanup. Asked
  // only for regular files. Default: STATUS_INVALID_DEVICE_REQUEST (no such descriptor;
  // the transport then serves the open through the stack).
  virtual NtStatus GetBackingDescriptor(const OperationContext& ctx, NodeRef node,
                                        void* openContext, int* fd);

  // ---- Data.
  virtual NtStatus Read(const OperationContext& ctx, NodeRef node, void* openContext, void* buffer,
                        uint32_t length, uint64_t offset, uint32_t* bytesRead);
  // With append the write goes to the end of file; *writeOffset receives where it landed.
  // A write that does not fit fails with STATUS_DISK_FULL and changes nothing.
  virtual NtStatus Write(const OperationContext& ctx, NodeRef node, void* openContext,
                         const void* buffer, uint32_t length, uint64_t offset, bool append,
                         uint32_t* bytesWritten, uint64_t* writeOffset);
  virtual NtStatus Flush(const OperationContext& ctx, NodeRef node, void* openContext,
                         bool dataOnly);

  // ---- Attributes.
  virtual NtStatus GetFileInformation(const OperationContext& ctx, NodeRef node, FileStat* stat);
  // POSIX setattr: the fields named in info.valid, in one step (size = SetEndOfFile).
  virtual NtStatus SetFileInformation(const OperationContext& ctx, NodeRef node, void* openContext,
                                      const FilePosixInfo& info);
  // FileBasicInformation: times and attributes.
  virtual NtStatus SetBasicInformation(const OperationContext& ctx, NodeRef node,
                                       const FileBasicInfo& info);
  virtual NtStatus Allocate(const OperationContext& ctx, NodeRef node, void* openContext,
                            uint64_t offset, uint64_t length, uint32_t mode);
  // SEEK_DATA / SEEK_HOLE from *offset; STATUS_NO_DATA_DETECTED (ENXIO) past the end.
  virtual NtStatus SeekData(const OperationContext& ctx, NodeRef node, uint32_t whence,
                            uint64_t* offset);

  // ---- Directories. Entries after `afterCookie` (0 = from the start, "." and ".." are
  // the class driver's). Cookies must be stable across concurrent changes. openContext is
  // the enumerating open's (from Open), so a mini may keep a directory stream per open
  // that the next call continues; calls of one open never overlap (the class driver holds
  // the open's enumeration lock). It is null for a call on no open (the emptiness probe
  // before a delete), which must not disturb any open's stream.
  virtual NtStatus FindFiles(const OperationContext& ctx, NodeRef dir, void* openContext,
                             uint64_t afterCookie, DirectoryFiller& filler);

  // ---- Extended attributes.
  virtual NtStatus GetEa(const OperationContext& ctx, NodeRef node, std::string_view name,
                         void* buffer, uint32_t bufferLength, uint32_t* length);
  // NUL-separated names; *length is the full size.
  virtual NtStatus ListEa(const OperationContext& ctx, NodeRef node, char* buffer,
                          uint32_t bufferLength, uint32_t* length);
  // flags: ea_flag:: bits (kCreate, kReplace, kRemove).
  virtual NtStatus SetEa(const OperationContext& ctx, NodeRef node, std::string_view name,
                         const void* value, uint32_t valueLength, uint32_t flags);

  // ---- Locks the file system keeps itself (the mirror hands them to the host, so host
  // processes see them). Default STATUS_INVALID_DEVICE_REQUEST: the class driver keeps the
  // locks in its own tables (byte_range_locks.h), as for memfs; a mini may also answer so
  // for some opens only. kLock: SUCCESS or STATUS_LOCK_NOT_GRANTED; with request.wait the
  // mini may instead mark ctx.irp pending and return STATUS_PENDING: it then owns the IRP
  // and completes it once (SUCCESS when granted, STATUS_CANCELLED on IoCancelIrp or at the
  // open's Cleanup). kQueryLock fills *conflict. kUnlockAll releases the owner's locks in
  // request.space; the class driver sends it for the file object at CLEANUP (NT locks).
  virtual NtStatus Lock(const OperationContext& ctx, NodeRef node, void* openContext,
                        const LockRequest& request, LockConflictInfo* conflict);

  // ---- Server-side copy (FSCTL_IRPFS_COPY_RANGE, copy_file_range(2)).
  // Copies [srcOffset, srcOffset + length) of src into dst at dstOffset, as reads and
  // writes would, without the bytes crossing the transport. *copied is short only at the
  // source's end of file (0 at or past it). The class driver has checked: both regular
  // files of this volume, src opened for reading and dst for writing, no overflow, no
  // overlap when src and dst are one node, mandatory locks. dst's size and times change
  // as for a write; one that does not fit fails with STATUS_DISK_FULL and changes nothing.
  // A long copy may check ctx.Cancelled() between the pieces it copies in and stop with
  // STATUS_CANCELLED and *copied = the bytes done so far (more than 0: the class driver
  // answers an IRP cancelled before the call itself); the IRP completes with both, and
  // FUSE makes it a short count, as a write(2) interrupted halfway.
  // Default: STATUS_INVALID_DEVICE_REQUEST, and the kernel copies through READ and WRITE.
  virtual NtStatus CopyRange(const OperationContext& ctx, NodeRef srcNode, void* srcOpen,
                             uint64_t srcOffset, NodeRef dstNode, void* dstOpen, uint64_t dstOffset,
                             uint64_t length, uint64_t* copied);

  // ---- Anything else.
  virtual NtStatus DeviceControl(const OperationContext& ctx, NodeRef node, void* openContext,
                                 uint32_t code, const void* input, uint32_t inputLength,
                                 void* output, uint32_t outputLength, uint32_t* returned);
};

}  // namespace irpfs::fsclass
