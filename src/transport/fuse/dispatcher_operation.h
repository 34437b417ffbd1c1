// Operation: the dispatcher's record of one FUSE request in flight (private to the
// dispatcher_*.cpp files).
//
// A record is pooled and reused, so a request allocates nothing once the pool is warm:
// it embeds the IRP (initialized again for every IRP the request sends), the Mdl, the
// information buffers the IRPs point into, and a scratch buffer that keeps its capacity.
//
// Ownership: the record owns its Reply, one reference on each of `fo`/`fo2` (from the
// node or handle tables) and one handle on each of `opened`/`opened2` (made by its own
// CREATE IRPs, unless handed over to a table). Retire releases them.
//
// The IRP in flight and cancellation. The cancel hook (FUSE_INTERRUPT) must never touch
// the IRP storage while the next step re-initializes it, and IoCancelIrp may complete the
// IRP on the hook's own thread. So `cancelState` holds four bits, each change one atomic
// read-modify-write (a mutex here cost two lock pairs on every request, for an interrupt
// that almost never comes):
//   kArmed            an IRP is in flight (set before IoCallDriver, cleared on completion)
//   kHookBusy         the hook is inside IoCancelIrp; a completion arriving meanwhile only
//                     sets kCompletedDuringHook and the hook continues the request after
//                     IoCancelIrp returns
//   kCancelRequested  the kernel interrupted the request: later IRPs start out canceled
//
// Inline completion (the driver completed the IRP inside IoCallDriver): `phase` decides
// who continues. The sender sets kSent after IoCallDriver returns, the completion sets
// kCompleted; whoever comes second runs the next step, so a chain of inline IRPs loops in
// Run instead of recursing.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/file_object.h"
#include "core/fs_info.h"
#include "core/fsctl.h"
#include "core/irp.h"
#include "core/volume_stack.h"
#include "transport/fuse/dirent_writer.h"
#include "transport/fuse/dispatcher_handles.h"
#include "transport/fuse/fuse_abi.h"
#include "transport/fuse/node_table.h"
#include "transport/fuse/reply.h"

namespace irpfs::fuse {
class DispatcherImpl;
}

namespace irpfs::fuse::detail {

enum class OpKind : uint8_t {
  kLookup,
  kMakeNode,  // mknod, mkdir, symlink
  kCreate,
  kRemove,  // unlink, rmdir
  kRename,
  kLink,
  kGetattr,  // getattr, statx
  kSetattr,
  kAccess,
  kStatfs,
  kReadlink,
  kOpen,  // open, opendir
  kRead,
  kWrite,
  kSimple,  // one IRP, Empty() on success: fsync, fallocate, setlk(w), setxattr, ...
  kReaddir,
  kReaddirplus,
  kGetxattr,  // getxattr, listxattr
  kGetlk,
  kLseek,
  kIoctl,
  kCopyRange,  // copy_file_range(_64): FILE_SYSTEM_CONTROL, FSCTL_IRPFS_COPY_RANGE
};

enum class Next : uint8_t { kSend, kDone };

namespace phase {
inline constexpr int kIdle = 0;
inline constexpr int kSent = 1;
inline constexpr int kCompleted = 2;
}  // namespace phase

namespace cancel_bit {
inline constexpr uint8_t kArmed = 1;
inline constexpr uint8_t kHookBusy = 2;
inline constexpr uint8_t kCompletedDuringHook = 4;
inline constexpr uint8_t kCancelRequested = 8;
}  // namespace cancel_bit

struct Operation {
  DispatcherImpl* dispatcher = nullptr;
  Operation* nextFree = nullptr;
  Operation* nextDeferred = nullptr;

  // ---- The request.
  Reply reply;
  RequestContext ctx;
  Requestor requestor;
  OpKind kind = OpKind::kSimple;
  int step = 0;
  bool statx = false;  // kGetattr answering STATX
  // The node whose attributes an IRP of this request may change aside (irp_flag::
  // kAttributesChanged): the request's own, or a copy's destination.
  uint64_t changedNode = 0;

  // ---- The IRP in flight.
  Irp irp;
  Mdl mdl;
  RundownReference ref;            // covers the IRP in flight (VolumeStack)
  FileObject* creating = nullptr;  // the new FileObject of an IRP_MJ_CREATE in flight
  FileObject* created = nullptr;   // ... once that CREATE succeeded (one handle, ours)
  std::atomic<int> phase{phase::kIdle};

  std::atomic<uint8_t> cancelState{0};  // cancel_bit:: values

  // ---- FileObjects held.
  FileObject* fo = nullptr;       // referenced
  FileObject* fo2 = nullptr;      // referenced
  FileObject* opened = nullptr;   // a handle
  FileObject* opened2 = nullptr;  // a handle

  // ---- Arguments. Names point into nameCopies (DispatcherImpl::KeepNames) or, when too
  // long for it, into the Reply's pinned input buffer, as payloads do.
  std::string_view name;
  std::string_view name2;
  // Two names of up to FUSE's 1024 bytes, each NUL-terminated.
  std::array<char, 2 * (1024 + 1)> nameCopies;
  std::span<const std::byte> data;
  uint32_t flags = 0;  // per kind: open(2) flags, rename flags, xattr size, ...
  uint32_t mode = 0;
  uint32_t umask = 0;
  uint64_t rdev = 0;
  uint64_t offset = 0;
  uint32_t size = 0;
  OpenInfo openInfo;

  // ---- Buffers the IRPs point into.
  FileStat stat;
  FilePosixInfo posix;
  FileDispositionInfo disposition;
  FileRenameInfo rename;
  FsFullSizeInfo fsSize;
  LockConflictInfo lockInfo;
  fuse_file_lock askedLock{};  // GETLK: the range asked about, echoed when it is free
  FileSeekDataInfo seek;
  FileAllocateRangeInfo allocate;
  CopyRangeInput copyRange;  // names fo2 (the source) for the IRP sent on fo
  FileBackingDescriptorInfo backing;
  std::span<std::byte> out;        // the reply buffer (Reply::AcquireBuffer)
  std::vector<std::byte> scratch;  // directory records; keeps its capacity across uses

  // ---- Readdirplus progress.
  DirentWriter writer{std::span<std::byte>{}};
  size_t dirNext = 0;  // byte offset of the next record in scratch
  size_t dirEnd = 0;   // 0 when scratch holds no records
  int dirState = 0;    // what is in flight for the record at dirNext (dispatcher_dirs.cpp)

  // Back to the state of a fresh record (keeps the scratch capacity).
  void Reset();
};

}  // namespace irpfs::fuse::detail
