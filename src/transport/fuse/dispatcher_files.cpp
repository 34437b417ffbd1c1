// Operations on opens: OPEN/OPENDIR, READ, WRITE, FLUSH, RELEASE(DIR), FSYNC(DIR),
// FALLOCATE, LSEEK, the byte-range locks and IOCTL. All but OPEN go to the FileObject
// the fh names.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/io_manager.h"
#include "transport/fuse/dispatcher_impl.h"
#include "transport/fuse/dispatcher_irps.h"
#include "transport/fuse/dispatcher_operation.h"

namespace irpfs::fuse {

using detail::kStaleHandle;
using detail::kStaleNode;
using detail::Next;
using detail::Operation;
using detail::OpKind;

namespace {

// flock(2) locks belong to the open (the file object the fh names: owner 0) and live in
// their own space, so they never meet the POSIX locks of the kernel's lock owners.
void FillLockParameters(IoStackLocation* location, const fuse_lk_in& in) {
  LockControlParameters& lock = location->parameters.lockControl;
  bool flock = (in.lk_flags & kLkFlock) != 0;
  lock.byteOffset = in.lk.start;
  lock.length = detail::LockLength(in.lk);
  lock.key = 0;
  lock.owner = flock ? 0 : in.owner;
  lock.pid = static_cast<pid_t>(in.lk.pid);
  lock.space = flock ? LockSpace::kFlock : LockSpace::kRange;
}

}  // namespace

// ---- OPEN, OPENDIR: a CREATE relative to the node FileObject with an empty name.

void DispatcherImpl::Open(const RequestContext& ctx, const fuse_open_in& in, Reply reply) {
  Operation* op = Begin(OpKind::kOpen, ctx, std::move(reply));
  op->flags = OpenFlagsForDriver(in.flags);
  op->openInfo.directory = false;
  Run(op);
}

void DispatcherImpl::Opendir(const RequestContext& ctx, const fuse_open_in& in, Reply reply) {
  Operation* op = Begin(OpKind::kOpen, ctx, std::move(reply));
  op->flags = in.flags;
  op->openInfo.directory = true;
  Run(op);
}

Next DispatcherImpl::StepOpen(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  switch (op.step++) {
    case 0: {
      op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
      if (op.fo == nullptr) return Fail(op, kStaleNode);
      uint32_t access;
      uint32_t options;
      CreateDisposition disposition = CreateDisposition::Open;
      if (op.openInfo.directory) {
        access = access::kReadData | access::kExecute | access::kReadAttributes;
        options = create_option::kDirectoryFile;
      } else {
        access = detail::AccessOfOpenFlags(op.flags);
        options = detail::CreateOptionsOfOpenFlags(op.flags) | create_option::kNonDirectoryFile;
        if (op.flags & O_TRUNC) disposition = CreateDisposition::Overwrite;
      }
      IoStackLocation* location =
          detail::PrepareCreate(op, volume_, op.fo, {}, access, disposition, options);
      location->parameters.create.openFlags = op.flags;
      return Next::kSend;
    }
    case 1:
      if (!NtSuccess(status)) return Fail(op, status);
      op.opened = std::exchange(op.created, nullptr);
      if (op.openInfo.directory) break;
      // At most one more IRP: the backing query (passthrough) or the stat (autoCache),
      // never both. The step number tells below which one answered.
      if (PrepareBackingQuery(op)) return Next::kSend;  // comes back with op.step 3
      if (StatsOpensForAutoCache()) {
        op.step = 3;  // comes back with op.step 4
        detail::PrepareQueryStat(op, op.opened);
        return Next::kSend;
      }
      break;
    default:
      break;  // the backing query or the stat answered
  }
  // op.step is one past the step that ran last.
  const bool queried = op.step == 3;
  const bool statted = op.step == 4 && NtSuccess(status);
  OpenInfo info{op.flags, op.openInfo.directory, NodeId{op.ctx.nodeid}};
  fuse_open_out out{};
  // Directory opens have no backing file; their flags say whether the kernel caches listings.
  if (info.directory) {
    out.open_flags = DirectoryOpenFlags(info.node);
  } else {
    ChooseOpenIo(op, NodeEntry{info.node, nodes_.Generation(info.node)}, queried, &info, &out);
    if (statted && UnchangedSinceLastOpen(info.node, op.stat)) out.open_flags |= fopen::kKeepCache;
  }
  out.fh = handles_.Insert(std::exchange(op.opened, nullptr), info).value;
  ReleaseHeld(op);
  op.reply.Open(out);
  return Next::kDone;
}

// ---- Passthrough (dispatcher_backing.h): OPEN and CREATE ask the stack for the open's
// host descriptor. Any refusal or failure leaves the open served through the stack:
// passthrough never fails an open.

bool DispatcherImpl::PrepareBackingQuery(Operation& op) {
  if (!backing_.enabled() || op.opened == nullptr) return false;
  op.backing = FileBackingDescriptorInfo{};
  detail::PrepareQueryInformation(op, op.opened,
                                  FileInformationClass::FileBackingDescriptorInformation,
                                  &op.backing, sizeof op.backing);
  return true;
}

void DispatcherImpl::ChooseOpenIo(Operation& op, NodeEntry node, bool queried, OpenInfo* info,
                                  fuse_open_out* out) {
  out->open_flags |= OpenReplyFlags(info->openFlags);
  if (!backing_.enabled()) return;
  int fd = (queried && NtSuccess(op.irp.ioStatus.status)) ? op.backing.fd : -1;
  BackingChoice choice = backing_.Choose(node, fd);
  info->io = choice.io;
  info->nodeGeneration = node.generation;
  if (choice.io == OpenIo::kPassthrough) {
    out->open_flags = fopen::kPassthrough;
    out->backing_id = choice.backingId;
  }
}

uint32_t DispatcherImpl::OpenFlagsForDriver(uint32_t flags) const {
  if (!connection_.Has(init_flag::kWritebackCache)) return flags;
  // With the writeback cache the kernel places appends itself (at its own, authoritative
  // size) and writes pages back later; an append-only open in the driver would move them.
  flags &= ~static_cast<uint32_t>(O_APPEND);
  // It also fills a page that a write covers only in part by READing it through the
  // writer's own open, so a write-only open must be able to read (the permission to
  // open was the kernel's to check).
  if ((flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~static_cast<uint32_t>(O_ACCMODE)) | O_RDWR;
  return flags;
}

uint32_t DispatcherImpl::DirectoryOpenFlags(NodeId node) {
  if (!options_.cacheDirectories || !connection_.Has(init_flag::kAutoInvalData)) return 0;
  // Without KEEP_CACHE the kernel drops the listing it kept at this open.
  return listings_.Opened(node.value) ? fopen::kCacheDir | fopen::kKeepCache : 0;
}

bool DispatcherImpl::StatsOpensForAutoCache() const {
  return options_.autoCache && !options_.keepCache && !backing_.enabled();
}

bool DispatcherImpl::UnchangedSinceLastOpen(NodeId node, const FileStat& stat) {
  if (!S_ISREG(stat.mode)) return false;
  return nodes_.SwapOpenVersion(node, FileVersion{stat.ctime, stat.mtime, stat.size});
}

uint32_t DispatcherImpl::OpenReplyFlags(uint32_t openFlags) const {
  uint32_t flags = options_.keepCache ? fopen::kKeepCache : 0;
  // An O_DIRECT open skips the page cache anyway. Saying so (DIRECT_IO) sends its I/O
  // down the kernel's direct path, which with PARALLEL_DIRECT_WRITES takes the inode lock
  // shared for writes inside the file: without both, every O_DIRECT write to one inode
  // waits for the one before it, and queue depth buys nothing. The drivers serialize what
  // must be (memfs's node lock, the host file system's). Not with FOPEN_PASSTHROUGH,
  // which DIRECT_IO would override in the kernel.
  if (openFlags & O_DIRECT) flags |= fopen::kDirectIo | fopen::kParallelDirectWrites;
  return flags;
}

// ---- READ: direct I/O into the reply buffer; WRITE: direct I/O from the payload.

void DispatcherImpl::Read(const RequestContext& ctx, const fuse_read_in& in, Reply reply) {
  Operation* op = Begin(OpKind::kRead, ctx, std::move(reply));
  op->fo = handles_.Reference(FileHandle{in.fh});
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  op->out = op->reply.AcquireBuffer(in.size);
  if (op->out.size() < in.size) return FailEarly(op, NtStatus::InsufficientResources);
  op->mdl = Mdl{op->out.data(), in.size};
  IoStackLocation* location = detail::PrepareIrp(*op, op->fo, IrpMajor::Read);
  location->parameters.read.length = in.size;
  location->parameters.read.key = 0;
  location->parameters.read.byteOffset = in.offset;
  location->parameters.read.flags = (in.flags & O_DIRECT) ? rw_flag::kNoCache : 0;
  op->irp.flags |= irp_flag::kInputOperation;
  op->irp.bufferMethod = BufferMethod::Direct;
  op->irp.mdlAddress = &op->mdl;
  Start(op);
}

Next DispatcherImpl::StepRead(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  uint64_t transferred = op.irp.ioStatus.information;
  // End of file is a short (empty) read, not an error.
  if (status == NtStatus::EndOfFile) {
    status = NtStatus::Success;
    transferred = 0;
  }
  if (!NtSuccess(status)) return Fail(op, status);
  ReleaseHeld(op);
  op.reply.Buffer(transferred <= op.mdl.byteCount ? transferred : op.mdl.byteCount);
  return Next::kDone;
}

void DispatcherImpl::Write(const RequestContext& ctx, const fuse_write_in& in,
                           std::span<const std::byte> data, Reply reply) {
  Operation* op = Begin(OpKind::kWrite, ctx, std::move(reply), detail::Input::kPinned);
  OpenInfo info;
  op->fo = handles_.Reference(FileHandle{in.fh}, &info);
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  // The payload stays in the receive buffer (pinned by Begin): the driver reads it there.
  op->mdl = Mdl{const_cast<std::byte*>(data.data()), data.size()};
  IoStackLocation* location = detail::PrepareIrp(*op, op->fo, IrpMajor::Write);
  location->parameters.write.length = static_cast<uint32_t>(data.size());
  location->parameters.write.key = 0;
  location->parameters.write.byteOffset = in.offset;
  uint32_t flags = 0;
  // The kernel computed the offset from its cached size; the driver knows the real end.
  // Not for writes from the kernel's page cache, whose offsets are the kernel's own.
  bool fromPageCache =
      (in.write_flags & kWriteCache) || connection_.Has(init_flag::kWritebackCache);
  if (((info.openFlags | in.flags) & O_APPEND) && !fromPageCache) flags |= rw_flag::kAppend;
  if ((info.openFlags | in.flags) & (O_SYNC | O_DSYNC)) flags |= rw_flag::kWriteThrough;
  if (in.flags & O_DIRECT) flags |= rw_flag::kNoCache;
  // Under FUSE_HANDLE_KILLPRIV_V2 the kernel flags every write whose caller lacks
  // CAP_FSETID (direct writes even without it), and checked that capability itself: an
  // unflagged write may keep the bits, and the driver need not look at them. Not for
  // writes from the page cache, whose caller the kernel no longer knows.
  if (connection_.Has(init_flag::kHandleKillprivV2) && !fromPageCache) {
    flags |= (in.write_flags & kWriteKillSuidgid) ? rw_flag::kDropSetId : rw_flag::kKeepSetId;
  }
  location->parameters.write.flags = flags;
  op->irp.bufferMethod = BufferMethod::Direct;
  op->irp.mdlAddress = &op->mdl;
  Start(op);
}

Next DispatcherImpl::StepWrite(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (!NtSuccess(status)) return Fail(op, status);
  ReleaseHeld(op);
  op.reply.Write(static_cast<uint32_t>(op.irp.ioStatus.information));
  return Next::kDone;
}

// ---- FLUSH (each close(2)): data needs nothing, irpfs drivers write through and fsync is
// FLUSH_BUFFERS. But POSIX locks of the closing owner must go (fcntl(2): any close drops
// the process's locks on the file), and the kernel leaves that to the server when it
// forwards POSIX locks: LOCK_CONTROL kUnlockAll for lock_owner.

void DispatcherImpl::Flush(const RequestContext& ctx, const fuse_flush_in& in, Reply reply) {
  if (!connection_.Has(init_flag::kPosixLocks) || in.lock_owner == 0) return reply.Empty();
  Operation* op = Begin(OpKind::kSimple, ctx, std::move(reply));
  op->fo = handles_.Reference(FileHandle{in.fh});
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  IoStackLocation* location =
      detail::PrepareIrp(*op, op->fo, IrpMajor::LockControl, minor::kUnlockAll);
  LockControlParameters& lock = location->parameters.lockControl;
  lock.byteOffset = 0;
  lock.length = UINT64_MAX;
  lock.key = 0;
  lock.owner = in.lock_owner;
  lock.pid = static_cast<pid_t>(ctx.pid);
  lock.space = LockSpace::kRange;
  Start(op);
}

// ---- RELEASE, RELEASEDIR: the handle closes (CLEANUP, then CLOSE at the last
// reference; CLEANUP completes IRPs still pending on the open and drops its locks, which
// covers FUSE_RELEASE_FLOCK_UNLOCK: flock locks belong to the open, nothing else holds
// them).

void DispatcherImpl::Release(const RequestContext&, const fuse_release_in& in, Reply reply) {
  OpenInfo info;
  FileObject* fileObject = handles_.Remove(FileHandle{in.fh}, &info);
  // The kernel let the file go before it sent RELEASE: the backing id may go now.
  backing_.Release(NodeEntry{info.node, info.nodeGeneration}, info.io);
  if (fileObject != nullptr) stack_->CloseHandle(fileObject);
  reply.Empty();
}

void DispatcherImpl::Releasedir(const RequestContext& ctx, const fuse_release_in& in, Reply reply) {
  Release(ctx, in, std::move(reply));
}

// ---- FSYNC, FSYNCDIR: FLUSH_BUFFERS.

void DispatcherImpl::Fsync(const RequestContext& ctx, const fuse_fsync_in& in, Reply reply) {
  Operation* op = Begin(OpKind::kSimple, ctx, std::move(reply));
  op->fo = handles_.Reference(FileHandle{in.fh});
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  uint8_t minor = (in.fsync_flags & kFsyncFdatasync) ? minor::kFlushDataOnly : 0;
  detail::PrepareIrp(*op, op->fo, IrpMajor::FlushBuffers, minor);
  Start(op);
}

void DispatcherImpl::Fsyncdir(const RequestContext& ctx, const fuse_fsync_in& in, Reply reply) {
  Fsync(ctx, in, std::move(reply));
}

Next DispatcherImpl::StepSimple(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (!NtSuccess(status)) return Fail(op, status);
  ReleaseHeld(op);
  op.reply.Empty();
  return Next::kDone;
}

// ---- FALLOCATE.

void DispatcherImpl::Fallocate(const RequestContext& ctx, const fuse_fallocate_in& in,
                               Reply reply) {
  Operation* op = Begin(OpKind::kSimple, ctx, std::move(reply));
  op->fo = handles_.Reference(FileHandle{in.fh});
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  op->allocate = FileAllocateRangeInfo{in.offset, in.length, in.mode};
  detail::PrepareSetInformation(*op, op->fo, FileInformationClass::FileAllocateRangeInformation,
                                &op->allocate, sizeof op->allocate);
  Start(op);
}

// ---- LSEEK: the kernel asks only for SEEK_DATA / SEEK_HOLE; the others are answered
// here (SEEK_END needs the size), because ENOSYS would switch LSEEK off for good.

void DispatcherImpl::Lseek(const RequestContext& ctx, const fuse_lseek_in& in, Reply reply) {
  if (in.whence == SEEK_SET) return reply.Lseek(in.offset);
  if (in.whence != SEEK_END && in.whence != SEEK_DATA && in.whence != SEEK_HOLE) {
    return reply.Error(EINVAL);
  }
  Operation* op = Begin(OpKind::kLseek, ctx, std::move(reply));
  op->fo = handles_.Reference(FileHandle{in.fh});
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  op->flags = in.whence;
  op->offset = in.offset;
  if (in.whence == SEEK_END) {
    detail::PrepareQueryStat(*op, op->fo);
  } else {
    op->seek = FileSeekDataInfo{in.offset, in.whence};
    detail::PrepareQueryInformation(*op, op->fo, FileInformationClass::FileSeekDataInformation,
                                    &op->seek, sizeof op->seek);
  }
  Start(op);
}

Next DispatcherImpl::StepLseek(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (!NtSuccess(status)) return Fail(op, status);
  uint64_t result = op.flags == SEEK_END ? op.stat.size + op.offset : op.seek.offset;
  ReleaseHeld(op);
  op.reply.Lseek(result);
  return Next::kDone;
}

// ---- Byte-range locks: LOCK_CONTROL. SETLKW pends in the class driver (or in a mini
// that keeps host locks) until granted, or until FUSE_INTERRUPT cancels it
// (STATUS_CANCELLED -> EINTR). flock arrives as SETLK(W) with FUSE_LK_FLOCK; its unlock
// is SETLK F_UNLCK with the same flag.

void DispatcherImpl::Getlk(const RequestContext& ctx, const fuse_lk_in& in, Reply reply) {
  Operation* op = Begin(OpKind::kGetlk, ctx, std::move(reply));
  op->fo = handles_.Reference(FileHandle{in.fh});
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  IoStackLocation* location =
      detail::PrepareIrp(*op, op->fo, IrpMajor::LockControl, minor::kQueryLock);
  FillLockParameters(location, in);
  if (in.lk.type == F_WRLCK) location->flags |= sl::kExclusiveLock;
  op->lockInfo = LockConflictInfo{};
  op->irp.bufferMethod = BufferMethod::Buffered;
  op->irp.systemBuffer = &op->lockInfo;
  op->askedLock = in.lk;
  Start(op);
}

Next DispatcherImpl::StepGetlk(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (!NtSuccess(status)) return Fail(op, status);
  fuse_file_lock answer{};
  if (op.lockInfo.conflict) {
    answer.start = op.lockInfo.byteOffset;
    answer.end = detail::LockEnd(op.lockInfo.byteOffset, op.lockInfo.length);
    answer.type = op.lockInfo.exclusive ? F_WRLCK : F_RDLCK;
    answer.pid = static_cast<uint32_t>(op.lockInfo.pid);
  } else {
    answer = op.askedLock;
    answer.type = F_UNLCK;
  }
  ReleaseHeld(op);
  op.reply.Lock(answer);
  return Next::kDone;
}

void DispatcherImpl::Setlk(const RequestContext& ctx, const fuse_lk_in& in, Reply reply) {
  SetLock(ctx, in, std::move(reply), false);
}

void DispatcherImpl::Setlkw(const RequestContext& ctx, const fuse_lk_in& in, Reply reply) {
  SetLock(ctx, in, std::move(reply), true);
}

void DispatcherImpl::SetLock(const RequestContext& ctx, const fuse_lk_in& in, Reply reply,
                             bool wait) {
  Operation* op = Begin(OpKind::kSimple, ctx, std::move(reply));
  op->fo = handles_.Reference(FileHandle{in.fh});
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  if (in.lk.type == F_UNLCK) {
    FillLockParameters(detail::PrepareIrp(*op, op->fo, IrpMajor::LockControl, minor::kUnlockSingle),
                       in);
    return Start(op);
  }
  if (in.lk.type != F_RDLCK && in.lk.type != F_WRLCK)
    return FailEarly(op, NtStatus::InvalidParameter);
  IoStackLocation* location = detail::PrepareIrp(*op, op->fo, IrpMajor::LockControl, minor::kLock);
  FillLockParameters(location, in);
  if (in.lk.type == F_WRLCK) location->flags |= sl::kExclusiveLock;
  if (!wait) location->flags |= sl::kFailImmediately;
  Start(op);
}

// ---- IOCTL: restricted ioctls become DEVICE_CONTROL with the kernel's in/out sizes.

void DispatcherImpl::Ioctl(const RequestContext& ctx, const fuse_ioctl_in& in,
                           std::span<const std::byte> inData, Reply reply) {
  // An unrestricted ioctl would need the retry protocol to learn its buffers.
  if (in.flags & ioctl_flag::kUnrestricted) return reply.Error(ENOSYS);
  Operation* op = Begin(OpKind::kIoctl, ctx, std::move(reply), detail::Input::kPinned);
  op->fo = handles_.Reference(FileHandle{in.fh});
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  if (in.out_size != 0) {
    op->out = op->reply.AcquireBuffer(in.out_size);
    if (op->out.size() < in.out_size) return FailEarly(op, NtStatus::InsufficientResources);
    op->out = op->out.first(in.out_size);
  }
  IoStackLocation* location = detail::PrepareIrp(*op, op->fo, IrpMajor::DeviceControl);
  DeviceIoControlParameters& control = location->parameters.deviceIoControl;
  control.ioControlCode = in.cmd;
  control.inputBufferLength = static_cast<uint32_t>(inData.size());
  control.outputBufferLength = in.out_size;
  control.type3InputBuffer = inData.data();
  op->irp.bufferMethod = BufferMethod::Buffered;
  op->irp.systemBuffer = op->out.empty() ? nullptr : op->out.data();
  Start(op);
}

Next DispatcherImpl::StepIoctl(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (!NtSuccess(status)) return Fail(op, status);
  uint64_t returned = op.irp.ioStatus.information;
  if (returned > op.out.size()) returned = op.out.size();
  ReleaseHeld(op);
  op.reply.Ioctl(0, op.out.first(returned));
  return Next::kDone;
}

}  // namespace irpfs::fuse
