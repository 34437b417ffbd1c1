// DispatcherImpl: the FUSE dispatcher of irpfs. Each typed FUSE operation becomes IRPs
// sent to the top of one volume's device stack; each IRP's completion becomes the reply.
// docs/fuse-mapping.md has the table (FUSE opcode -> IRPs) and the reasons.
//
// Threads and ownership
// - Methods run on channel worker threads, concurrently. Each request gets an Operation
//   record from a pool (no allocation once warm) that owns the Reply, the IRP storage
//   and the FileObjects the request holds, until the request is answered.
// - IRPs are sent asynchronously: a method sends the first IRP and returns. The rest of
//   the request (further IRPs, the reply) runs on the worker itself when the driver
//   completes inline, and on the dispatcher's continuation thread when it pended. Never
//   on the driver's completing thread: continuing may wait for the stack (a filter being
//   attached or detached), and that thread may be one the change waits for (a filter's
//   timer thread, joined when its device is deleted; a worker holding another IRP's
//   stack reference).
// - FUSE_INTERRUPT reaches the request through Reply::SetCancelHook and becomes
//   IoCancelIrp on the IRP in flight; the request is then answered by its completion
//   (EINTR for STATUS_CANCELLED), never while the work goes on.
// - The volume device is borrowed: it must outlive the dispatcher. Destroy (or the
//   destructor) closes every handle and node FileObject; the destructor also waits for
//   requests still in flight.
// - Every IRP goes through a VolumeStack (core/volume_stack.h), so filters can be
//   attached and detached while the mount is live: each IRP in flight holds a rundown
//   reference in its Operation, released first thing in its originator completion, and
//   handle closes go through VolumeStack::CloseHandle / Dereference. The stack is the
//   caller's (shared with the control channel) or, with the first Create, the
//   dispatcher's own.
//
// Lock order: NodeTable and HandleTable mutexes and the pool mutex are leaf locks; an
// Operation's cancel mutex is taken alone. No IRP is sent and no Reply completed while
// any of them is held.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "core/device.h"
#include "core/fs_info.h"
#include "core/status.h"
#include "core/volume_stack.h"
#include "transport/fuse/dispatcher.h"
#include "transport/fuse/dispatcher_backing.h"
#include "transport/fuse/dispatcher_handles.h"
#include "transport/fuse/listing_history.h"
#include "transport/fuse/node_table.h"
#include "transport/fuse/thread_spare.h"

namespace irpfs::fuse {

namespace detail {
struct Operation;
enum class OpKind : uint8_t;
enum class Next : uint8_t;
// Whether a request's IRPs read its input (names, payload) after the method returns.
enum class Input : uint8_t { kUnused, kPinned };
}  // namespace detail

struct DispatcherOptions {
  // How long the kernel may cache attributes and names (seconds, fractions allowed).
  double attrTimeout = 1.0;
  double entryTimeout = 1.0;
  // How long the kernel may remember that a name is not there (a LOOKUP answered with a
  // zero nodeid instead of ENOENT); 0: every lookup of a missing name is a request.
  double negativeTimeout = 0.0;
  // FOPEN_KEEP_CACHE on every open: keep the page cache across opens. A change made
  // behind the kernel then shows only when it refreshes the attributes and finds another
  // mtime or size (FUSE_AUTO_INVAL_DATA), within attrTimeout, not at the next open.
  bool keepCache = false;
  // Without keepCache: FOPEN_KEEP_CACHE on an open that finds the file as the previous
  // open through the mount did (the same change time, mtime and size, NodeTable::
  // SwapOpenVersion), so a file read again and again (a header a build includes in every
  // unit) is read from the server once, and a change made behind the kernel still shows
  // at the next open. Costs a QUERY_INFORMATION per open. Only where passthrough is off:
  // a passthrough open reads the host file and leaves the FUSE page cache alone. As exact
  // as the host's timestamps: Linux 6.13+ gives a change after a stat a new change time
  // (multigrain timestamps on tmpfs, ext4, xfs, btrfs); on a host file system with coarse
  // times, a same-size rewrite within one clock tick of the open could go unseen.
  bool autoCache = false;
  // FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE on directory opens: the kernel keeps a listing and
  // answers later ones itself. It drops the listing when it changed the directory itself
  // and, at the start of each listing, when the directory's mtime changed (re-read once
  // the attributes expire). So a change made behind the kernel (an in-process client, the
  // mirror's host directory) shows within attrTimeout, like the names around it. Only
  // with FUSE_AUTO_INVAL_DATA, without which the kernel never checks the mtime.
  bool cacheDirectories = true;
  // false: every xattr request is answered ENOSYS, as if the dispatcher had none, so the
  // kernel stops sending them (getfattr and setfattr on the mount then fail with
  // EOPNOTSUPP). Spares the GETXATTR of security.capability the kernel sends before the
  // first write after each attribute refresh (docs/fuse-mapping.md, Set-ID bits).
  bool extendedAttributes = true;
};

class DispatcherImpl final : public FuseDispatcher {
 public:
  // Opens the root of `volume` (any device of the volume's stack; IRPs go to the top)
  // and returns a dispatcher for it, or the status of the failed open.
  static NtStatus Create(DeviceObject* volume, const DispatcherOptions& options,
                         std::unique_ptr<DispatcherImpl>* out);
  // The same on a stack the caller owns (and keeps alive longer than the dispatcher),
  // so that it can attach and detach filters while the dispatcher runs.
  static NtStatus Create(VolumeStack* stack, const DispatcherOptions& options,
                         std::unique_ptr<DispatcherImpl>* out);
  ~DispatcherImpl() override;
  DispatcherImpl(const DispatcherImpl&) = delete;
  DispatcherImpl& operator=(const DispatcherImpl&) = delete;

  void Init(const ConnectionInfo& info) override;

  void Lookup(const RequestContext& ctx, std::string_view name, Reply reply) override;
  void Forget(const RequestContext& ctx, uint64_t nlookup) override;
  void BatchForget(const RequestContext& ctx, std::span<const fuse_forget_one> items) override;

  void Getattr(const RequestContext& ctx, const fuse_getattr_in& in, Reply reply) override;
  void Setattr(const RequestContext& ctx, const fuse_setattr_in& in, Reply reply) override;
  void Statx(const RequestContext& ctx, const fuse_statx_in& in, Reply reply) override;
  void Access(const RequestContext& ctx, const fuse_access_in& in, Reply reply) override;
  void Statfs(const RequestContext& ctx, Reply reply) override;

  void Readlink(const RequestContext& ctx, Reply reply) override;
  void Symlink(const RequestContext& ctx, std::string_view name, std::string_view target,
               Reply reply) override;
  void Mknod(const RequestContext& ctx, const fuse_mknod_in& in, std::string_view name,
             Reply reply) override;
  void Mkdir(const RequestContext& ctx, const fuse_mkdir_in& in, std::string_view name,
             Reply reply) override;
  void Unlink(const RequestContext& ctx, std::string_view name, Reply reply) override;
  void Rmdir(const RequestContext& ctx, std::string_view name, Reply reply) override;
  void Rename(const RequestContext& ctx, const fuse_rename_in& in, std::string_view oldName,
              std::string_view newName, Reply reply) override;
  void Rename2(const RequestContext& ctx, const fuse_rename2_in& in, std::string_view oldName,
               std::string_view newName, Reply reply) override;
  void Link(const RequestContext& ctx, const fuse_link_in& in, std::string_view newName,
            Reply reply) override;
  void Create(const RequestContext& ctx, const fuse_create_in& in, std::string_view name,
              Reply reply) override;

  void Open(const RequestContext& ctx, const fuse_open_in& in, Reply reply) override;
  void Read(const RequestContext& ctx, const fuse_read_in& in, Reply reply) override;
  void Write(const RequestContext& ctx, const fuse_write_in& in, std::span<const std::byte> data,
             Reply reply) override;
  void Flush(const RequestContext& ctx, const fuse_flush_in& in, Reply reply) override;
  void Release(const RequestContext& ctx, const fuse_release_in& in, Reply reply) override;
  void Fsync(const RequestContext& ctx, const fuse_fsync_in& in, Reply reply) override;
  void Fallocate(const RequestContext& ctx, const fuse_fallocate_in& in, Reply reply) override;
  void Lseek(const RequestContext& ctx, const fuse_lseek_in& in, Reply reply) override;

  void Opendir(const RequestContext& ctx, const fuse_open_in& in, Reply reply) override;
  void Readdir(const RequestContext& ctx, const fuse_read_in& in, Reply reply) override;
  void Readdirplus(const RequestContext& ctx, const fuse_read_in& in, Reply reply) override;
  void Releasedir(const RequestContext& ctx, const fuse_release_in& in, Reply reply) override;
  void Fsyncdir(const RequestContext& ctx, const fuse_fsync_in& in, Reply reply) override;

  void Setxattr(const RequestContext& ctx, const fuse_setxattr_in& in, std::string_view name,
                std::span<const std::byte> value, Reply reply) override;
  void Getxattr(const RequestContext& ctx, const fuse_getxattr_in& in, std::string_view name,
                Reply reply) override;
  void Listxattr(const RequestContext& ctx, const fuse_getxattr_in& in, Reply reply) override;
  void Removexattr(const RequestContext& ctx, std::string_view name, Reply reply) override;

  void Getlk(const RequestContext& ctx, const fuse_lk_in& in, Reply reply) override;
  void Setlk(const RequestContext& ctx, const fuse_lk_in& in, Reply reply) override;
  void Setlkw(const RequestContext& ctx, const fuse_lk_in& in, Reply reply) override;

  void Ioctl(const RequestContext& ctx, const fuse_ioctl_in& in, std::span<const std::byte> inData,
             Reply reply) override;
  void CopyFileRange(const RequestContext& ctx, const fuse_copy_file_range_in& in,
                     Reply reply) override;
  void CopyFileRange64(const RequestContext& ctx, const fuse_copy_file_range_in& in,
                       Reply reply) override;
  void Destroy(const RequestContext& ctx, Reply reply) override;

  // Introspection, for tests and status views.
  const NodeTable& nodes() const { return nodes_; }
  const HandleTable& handles() const { return handles_; }
  // Requests not yet retired. Waits (at most a second) for the continuation thread to
  // finish the request it is running, so that a caller who has just received a reply
  // sent from there sees that request retired.
  size_t OperationsInFlight() const;
  VolumeStack& stack() const { return *stack_; }
  // FUSE passthrough: live backing ids and how opens were served (dispatcher_backing.h).
  BackingCounters backingCounters() const { return backing_.Counters(); }

 private:
  friend struct detail::Operation;
  DispatcherImpl(VolumeStack* stack, std::unique_ptr<VolumeStack> ownedStack,
                 const DispatcherOptions& options);
  NtStatus OpenRoot();
  NtStatus OpenRootWith(uint32_t access, FileObject** root, uint64_t* fileId);

  // ---- Operation lifecycle (dispatcher_operation.cpp).
  // A record for the request, with the Reply's cancel hook set. With Input::kPinned the
  // channel keeps the request's input buffer until the reply (Reply::PinInput).
  detail::Operation* Begin(detail::OpKind kind, const RequestContext& ctx, Reply reply,
                           detail::Input input = detail::Input::kUnused);
  // Sets op->name and op->name2 to copies of `name` and `name2` kept in the record, so a
  // name-only request needs none of its input after the method returns; names too long
  // for the record's room stay in the input, pinned (PinInput takes two pool locks and
  // a fresh receive buffer for the worker: a copy is far cheaper).
  void KeepNames(detail::Operation* op, std::string_view name, std::string_view name2 = {});
  // Drives `op` until it waits for an asynchronous IRP or is finished.
  void Run(detail::Operation* op);
  // Sends op's prepared IRP. True if it completed inline (Run continues with the next
  // step), false if it will complete on another thread (which then calls Run).
  bool Send(detail::Operation* op);
  static void OnIrpComplete(Irp* irp, void* context);
  static void OnCancel(void* context);
  void IrpFinished(detail::Operation* op);
  // Hands `op` to the continuation thread, which calls Run.
  void Defer(detail::Operation* op);
  void ContinuationLoop();
  // Sends the IRP a dispatcher method prepared in `op` as the request's first step; the
  // step function takes over from step 1.
  void Start(detail::Operation* op);
  // Answers a request that failed before its first IRP.
  void FailEarly(detail::Operation* op, NtStatus status);
  // Closes and dereferences what `op` holds and returns it to the pool. The Reply must
  // have been completed.
  void Retire(detail::Operation* op);

  // The step of each kind: consume the last IRP's result, prepare the next IRP (kSend)
  // or answer the Reply (kDone).
  detail::Next Step(detail::Operation& op);
  detail::Next StepLookup(detail::Operation& op);
  detail::Next StepMakeNode(detail::Operation& op);
  detail::Next StepCreate(detail::Operation& op);
  detail::Next StepRemove(detail::Operation& op);
  detail::Next StepRename(detail::Operation& op);
  detail::Next StepLink(detail::Operation& op);
  detail::Next StepGetattr(detail::Operation& op);
  detail::Next StepSetattr(detail::Operation& op);
  detail::Next StepAccess(detail::Operation& op);
  detail::Next StepStatfs(detail::Operation& op);
  detail::Next StepReadlink(detail::Operation& op);
  detail::Next StepOpen(detail::Operation& op);
  detail::Next StepRead(detail::Operation& op);
  detail::Next StepWrite(detail::Operation& op);
  detail::Next StepSimple(detail::Operation& op);
  detail::Next StepReaddir(detail::Operation& op);
  detail::Next StepReaddirplus(detail::Operation& op);
  detail::Next StepGetxattr(detail::Operation& op);
  detail::Next StepGetlk(detail::Operation& op);
  detail::Next StepLseek(detail::Operation& op);
  detail::Next StepIoctl(detail::Operation& op);
  // The steps UNLINK, RMDIR and RENAME share once op.fo is referenced: open op.name below
  // it for DELETE (plus `createOptions`), set `infoClass` from `info` on that open, reply
  // with nothing.
  detail::Next StepSetInformationOnName(detail::Operation& op, uint32_t createOptions,
                                        FileInformationClass infoClass, void* info,
                                        uint32_t length);
  // The steps LOOKUP and MKNOD/MKDIR/SYMLINK share once their CREATE (step 0) is sent:
  // stat the node FileObject it made, remember it, reply with its entry.
  detail::Next StepEntryOfCreated(detail::Operation& op);
  detail::Next FailLookup(detail::Operation& op, NtStatus status);
  detail::Next StepCopyRange(detail::Operation& op);

  // Shared starts: READDIR/READDIRPLUS, SETLK/SETLKW.
  void QueryDirectory(detail::OpKind kind, const RequestContext& ctx, const fuse_read_in& in,
                      Reply reply);
  void SetLock(const RequestContext& ctx, const fuse_lk_in& in, Reply reply, bool wait);
  void CopyRange(const RequestContext& ctx, const fuse_copy_file_range_in& in, Reply reply,
                 bool wide);
  // open(2) flags as the driver should see them on this connection.
  uint32_t OpenFlagsForDriver(uint32_t flags) const;
  // OPEN and CREATE of a regular file: asks the stack for the open's backing descriptor
  // (op.opened) when passthrough is on; false when there is nothing to ask.
  bool PrepareBackingQuery(detail::Operation& op);
  // Decides passthrough for the open in op.opened (after PrepareBackingQuery's IRP, or
  // without one) and fills the open reply's flags.
  void ChooseOpenIo(detail::Operation& op, NodeEntry node, bool queried, OpenInfo* info,
                    fuse_open_out* out);
  // FOPEN_* flags of the OPEN/CREATE reply for an open with these open(2) flags, when it
  // does not go passthrough.
  uint32_t OpenReplyFlags(uint32_t openFlags) const;
  // Whether OPEN stats each regular file it opens for autoCache.
  bool StatsOpensForAutoCache() const;
  // autoCache's choice for an open of `node` that found `stat`: true to keep the cache.
  bool UnchangedSinceLastOpen(NodeId node, const FileStat& stat);
  // FOPEN_* flags of the OPENDIR reply for directory `node` (listing_history.h).
  uint32_t DirectoryOpenFlags(NodeId node);

  // Replies to a failed request with the errno of `status` (StatusToErrno, the only
  // place the dispatcher maps statuses).
  detail::Next Fail(detail::Operation& op, NtStatus status);
  // Closes the handles and drops the references the request holds. Called before the
  // reply, so that what the kernel sees next finds the volume settled.
  void ReleaseHeld(detail::Operation& op);
  // Entry and attribute replies for `stat`, with the configured timeouts.
  fuse_entry_out EntryOut(const NodeEntry& entry, const FileStat& stat) const;
  fuse_attr_out AttrOut(const FileStat& stat) const;

  // Closes FileObjects outside of any table lock.
  void CloseAll(const std::vector<FileObject*>& fileObjects);
  void CloseEverything();

  // Declared first: destroyed last, after the destructor closed every FileObject.
  std::unique_ptr<VolumeStack> ownedStack_;
  VolumeStack* const stack_;
  DeviceObject* const volume_;
  const DispatcherOptions options_;
  ConnectionInfo connection_;
  // The desiredAccess of node FileObjects: detail::kNodeAccess, or its read half on a
  // volume that refuses write access (decided once, when the root is opened).
  uint32_t nodeAccess_ = 0;

  NodeTable nodes_;
  ListingHistory listings_;  // which directory opens ask for the kernel's listing cache
  // Set once the stack answered a QUERY_OPEN with "invalid device request": LOOKUP opens.
  std::atomic<bool> queryOpenRefused_{false};
  HandleTable handles_;
  BackingFiles backing_;

  std::mutex poolMutex_;
  detail::Operation* freeList_ = nullptr;
  std::vector<std::unique_ptr<detail::Operation>> allOperations_;
  ThreadSpare<detail::Operation> spareOperations_;  // one free record per thread, no mutex

  // Requests whose IRP completed on a foreign thread, in order (linked by nextDeferred).
  mutable std::mutex deferMutex_;
  std::condition_variable deferred_;
  mutable std::condition_variable continuationIdle_;
  bool continuing_ = false;  // the continuation thread is running a request
  detail::Operation* deferHead_ = nullptr;
  detail::Operation* deferTail_ = nullptr;
  bool deferStop_ = false;
  std::thread continuation_;

  std::atomic<size_t> inFlight_{0};
  std::mutex idleMutex_;
  std::condition_variable idle_;
};

}  // namespace irpfs::fuse
