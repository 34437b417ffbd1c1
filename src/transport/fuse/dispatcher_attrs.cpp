// Attribute operations: GETATTR, STATX, SETATTR, ACCESS, STATFS, READLINK and the xattrs.
// They go to the fh's FileObject when the kernel names one, else to the node FileObject.
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
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

// Longest symlink target Linux accepts (PATH_MAX, with its NUL).
constexpr uint32_t kMaxLinkTarget = 4096;

// Whether `gid` is among the supplementary groups of process `pid` (its "Groups:" line in
// /proc/<pid>/status). Only ACCESS needs it, and only without default_permissions.
bool InSupplementaryGroups(pid_t pid, uint32_t gid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
  FILE* file = std::fopen(path, "re");
  if (file == nullptr) return false;
  char line[4096];
  bool found = false;
  while (!found && std::fgets(line, sizeof line, file) != nullptr) {
    if (std::strncmp(line, "Groups:", 7) != 0) continue;
    const char* at = line + 7;
    const char* end = line + std::strlen(line);
    while (at < end) {
      while (at < end && (*at == ' ' || *at == '\t' || *at == '\n')) ++at;
      uint32_t value = 0;
      auto [next, ec] = std::from_chars(at, end, value);
      if (ec != std::errc{}) break;
      if (value == gid) found = true;
      at = next;
    }
    break;
  }
  std::fclose(file);
  return found;
}

// access(2) from the mode bits, as the kernel's generic_permission does it.
bool AccessAllowed(const FileStat& stat, const Requestor& who, uint32_t mask) {
  mask &= R_OK | W_OK | X_OK;
  if (who.uid == 0) {
    // root may do anything but execute a file nobody may execute.
    bool anyExec = (stat.mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
    return !(mask & X_OK) || anyExec || S_ISDIR(stat.mode);
  }
  uint32_t granted;
  if (who.uid == stat.uid) {
    granted = (stat.mode >> 6) & 7;
  } else if (who.gid == stat.gid || InSupplementaryGroups(who.pid, stat.gid)) {
    granted = (stat.mode >> 3) & 7;
  } else {
    granted = stat.mode & 7;
  }
  return (mask & ~granted) == 0;
}

uint32_t PosixValidOf(const fuse_setattr_in& in) {
  uint32_t valid = 0;
  if (in.valid & fattr::kMode) valid |= posix_valid::kMode;
  if (in.valid & fattr::kUid) valid |= posix_valid::kUid;
  if (in.valid & fattr::kGid) valid |= posix_valid::kGid;
  if (in.valid & fattr::kSize) valid |= posix_valid::kSize;
  if (in.valid & fattr::kAtimeNow) {
    valid |= posix_valid::kAtimeNow;
  } else if (in.valid & fattr::kAtime) {
    valid |= posix_valid::kAtime;
  }
  if (in.valid & fattr::kMtimeNow) {
    valid |= posix_valid::kMtimeNow;
  } else if (in.valid & fattr::kMtime) {
    valid |= posix_valid::kMtime;
  }
  if (in.valid & fattr::kCtime) valid |= posix_valid::kCtime;
  return valid;
}

}  // namespace

// ---- GETATTR, STATX.

void DispatcherImpl::Getattr(const RequestContext& ctx, const fuse_getattr_in& in, Reply reply) {
  Operation* op = Begin(OpKind::kGetattr, ctx, std::move(reply));
  op->flags = in.getattr_flags & kGetattrFh;
  op->offset = in.fh;
  Run(op);
}

void DispatcherImpl::Statx(const RequestContext& ctx, const fuse_statx_in& in, Reply reply) {
  Operation* op = Begin(OpKind::kGetattr, ctx, std::move(reply));
  op->statx = true;
  op->flags = in.getattr_flags & kGetattrFh;
  op->offset = in.fh;
  Run(op);
}

Next DispatcherImpl::StepGetattr(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (op.step++ == 0) {
    // The fh names an open of this node: stat through it (it may be an unlinked file
    // the node FileObject still reaches too, but the open is what the caller holds).
    if (op.flags & kGetattrFh) op.fo = handles_.Reference(FileHandle{op.offset});
    if (op.fo == nullptr) op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
    if (op.fo == nullptr) return Fail(op, kStaleNode);
    detail::PrepareQueryStat(op, op.fo);
    return Next::kSend;
  }
  if (!NtSuccess(status)) return Fail(op, status);
  ReleaseHeld(op);
  if (op.statx) {
    fuse_statx_out out{};
    detail::SplitTimeout(options_.attrTimeout, &out.attr_valid, &out.attr_valid_nsec);
    out.stat = detail::ToFuseStatx(op.stat);
    op.reply.Statx(out);
  } else {
    op.reply.Attr(AttrOut(op.stat));
  }
  return Next::kDone;
}

// ---- SETATTR: one FilePosixInformation set, then the new attributes.

void DispatcherImpl::Setattr(const RequestContext& ctx, const fuse_setattr_in& in, Reply reply) {
  Operation* op = Begin(OpKind::kSetattr, ctx, std::move(reply));
  op->flags = in.valid;
  op->offset = in.fh;
  FilePosixInfo& posix = op->posix;
  posix = FilePosixInfo{};
  posix.valid = PosixValidOf(in);
  posix.mode = in.mode & 07777;
  posix.uid = in.uid;
  posix.gid = in.gid;
  posix.size = in.size;
  posix.atime = {static_cast<int64_t>(in.atime), in.atimensec};
  posix.mtime = {static_cast<int64_t>(in.mtime), in.mtimensec};
  posix.ctime = {static_cast<int64_t>(in.ctime), in.ctimensec};
  Run(op);
}

Next DispatcherImpl::StepSetattr(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  switch (op.step++) {
    case 0:
      // ftruncate(2) and futimens(2) come with the fh of the caller's open, whose access
      // (not the node's) decides.
      if (op.flags & fattr::kFh) {
        op.fo = handles_.Reference(FileHandle{op.offset});
        if (op.fo == nullptr) return Fail(op, kStaleHandle);
      } else {
        op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
        if (op.fo == nullptr) return Fail(op, kStaleNode);
      }
      if (op.posix.valid == 0) {
        // Nothing irpfs stores changes (a lock owner only): answer with the attributes.
        ++op.step;
        detail::PrepareQueryStat(op, op.fo);
        return Next::kSend;
      }
      detail::PrepareSetInformation(op, op.fo, FileInformationClass::FilePosixInformation,
                                    &op.posix, sizeof op.posix);
      return Next::kSend;
    case 1:
      if (!NtSuccess(status)) return Fail(op, status);
      detail::PrepareQueryStat(op, op.fo);
      return Next::kSend;
    default:
      if (!NtSuccess(status)) return Fail(op, status);
      ReleaseHeld(op);
      op.reply.Attr(AttrOut(op.stat));
      return Next::kDone;
  }
}

// ---- ACCESS: the mode bits of a fresh stat against the caller.

void DispatcherImpl::Access(const RequestContext& ctx, const fuse_access_in& in, Reply reply) {
  Operation* op = Begin(OpKind::kAccess, ctx, std::move(reply));
  op->flags = in.mask;
  Run(op);
}

Next DispatcherImpl::StepAccess(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (op.step++ == 0) {
    op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
    if (op.fo == nullptr) return Fail(op, kStaleNode);
    detail::PrepareQueryStat(op, op.fo);
    return Next::kSend;
  }
  if (!NtSuccess(status)) return Fail(op, status);
  if (!AccessAllowed(op.stat, op.requestor, op.flags)) return Fail(op, NtStatus::AccessDenied);
  ReleaseHeld(op);
  op.reply.Empty();
  return Next::kDone;
}

// ---- STATFS.

void DispatcherImpl::Statfs(const RequestContext& ctx, Reply reply) {
  Run(Begin(OpKind::kStatfs, ctx, std::move(reply)));
}

Next DispatcherImpl::StepStatfs(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (op.step++ == 0) {
    op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
    if (op.fo == nullptr) op.fo = nodes_.Reference(kRootNodeId);
    if (op.fo == nullptr) return Fail(op, kStaleNode);
    op.fsSize = FsFullSizeInfo{};
    IoStackLocation* location = detail::PrepareIrp(op, op.fo, IrpMajor::QueryVolumeInformation);
    location->parameters.queryVolume.length = sizeof op.fsSize;
    location->parameters.queryVolume.fsInformationClass =
        FsInformationClass::FileFsFullSizeInformation;
    op.irp.bufferMethod = BufferMethod::Buffered;
    op.irp.systemBuffer = &op.fsSize;
    return Next::kSend;
  }
  if (!NtSuccess(status)) return Fail(op, status);
  const FsFullSizeInfo& size = op.fsSize;
  fuse_kstatfs st{};
  uint64_t unit = uint64_t{size.sectorsPerAllocationUnit} * size.bytesPerSector;
  st.bsize = static_cast<uint32_t>(unit != 0 ? unit : 4096);
  st.frsize = st.bsize;
  st.blocks = size.totalAllocationUnits;
  st.bfree = size.actualAvailableAllocationUnits;
  st.bavail = size.callerAvailableAllocationUnits;
  st.files = size.totalFiles;
  st.ffree = size.freeFiles;
  st.namelen = 255;
  ReleaseHeld(op);
  op.reply.Statfs(st);
  return Next::kDone;
}

// ---- READLINK: the target lands in the reply buffer behind the info header.

void DispatcherImpl::Readlink(const RequestContext& ctx, Reply reply) {
  Run(Begin(OpKind::kReadlink, ctx, std::move(reply)));
}

Next DispatcherImpl::StepReadlink(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (op.step++ == 0) {
    op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
    if (op.fo == nullptr) return Fail(op, kStaleNode);
    op.out = op.reply.AcquireBuffer(sizeof(FileSymlinkInfo) + kMaxLinkTarget);
    if (op.out.size() < sizeof(FileSymlinkInfo) + kMaxLinkTarget) {
      return Fail(op, NtStatus::InsufficientResources);
    }
    detail::PrepareQueryInformation(op, op.fo, FileInformationClass::FileSymlinkInformation,
                                    op.out.data(), sizeof(FileSymlinkInfo) + kMaxLinkTarget);
    return Next::kSend;
  }
  // A target longer than PATH_MAX cannot be followed by anyone: ENAMETOOLONG.
  if (status == NtStatus::BufferOverflow) return Fail(op, NtStatus::NameTooLong);
  if (!NtSuccess(status)) return Fail(op, status);
  FileSymlinkInfo header;
  std::memcpy(&header, op.out.data(), sizeof header);
  ReleaseHeld(op);
  op.reply.Data(op.out.subspan(sizeof header, header.targetLength));
  return Next::kDone;
}

// ---- Extended attributes: QUERY_EA / SET_EA on the node FileObject.

void DispatcherImpl::Getxattr(const RequestContext& ctx, const fuse_getxattr_in& in,
                              std::string_view name, Reply reply) {
  if (!options_.extendedAttributes) {
    return FuseDispatcher::Getxattr(ctx, in, name, std::move(reply));
  }
  Operation* op = Begin(OpKind::kGetxattr, ctx, std::move(reply));
  KeepNames(op, name);
  op->size = in.size;
  Run(op);
}

void DispatcherImpl::Listxattr(const RequestContext& ctx, const fuse_getxattr_in& in, Reply reply) {
  // An empty name asks QUERY_EA for the list of names.
  Getxattr(ctx, in, {}, std::move(reply));
}

Next DispatcherImpl::StepGetxattr(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (op.step++ == 0) {
    op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
    if (op.fo == nullptr) return Fail(op, kStaleNode);
    if (op.size != 0) {
      op.out = op.reply.AcquireBuffer(op.size);
      if (op.out.size() < op.size) return Fail(op, NtStatus::InsufficientResources);
    }
    IoStackLocation* location = detail::PrepareIrp(op, op.fo, IrpMajor::QueryEa);
    location->parameters.queryEa.length = op.size;
    location->parameters.queryEa.flags = 0;
    location->parameters.queryEa.name = op.name;
    op.irp.bufferMethod = BufferMethod::Buffered;
    op.irp.systemBuffer = op.size != 0 ? op.out.data() : nullptr;
    return Next::kSend;
  }
  bool tooSmall = status == NtStatus::BufferOverflow || status == NtStatus::BufferTooSmall;
  if (op.size == 0) {
    // The size probe: how much a later call needs, whatever the empty buffer held.
    if (!NtSuccess(status) && !tooSmall) return Fail(op, status);
    ReleaseHeld(op);
    op.reply.XattrSize(static_cast<uint32_t>(op.irp.ioStatus.information));
    return Next::kDone;
  }
  if (tooSmall) return Fail(op, NtStatus::BufferTooSmall);  // ERANGE
  if (!NtSuccess(status)) return Fail(op, status);
  ReleaseHeld(op);
  op.reply.Data(op.out.first(op.irp.ioStatus.information));
  return Next::kDone;
}

void DispatcherImpl::Setxattr(const RequestContext& ctx, const fuse_setxattr_in& in,
                              std::string_view name, std::span<const std::byte> value,
                              Reply reply) {
  if (!options_.extendedAttributes) {
    return FuseDispatcher::Setxattr(ctx, in, name, value, std::move(reply));
  }
  uint32_t flags = 0;
  if (in.flags & XATTR_CREATE) flags |= ea_flag::kCreate;
  if (in.flags & XATTR_REPLACE) flags |= ea_flag::kReplace;
  Operation* op = Begin(OpKind::kSimple, ctx, std::move(reply), detail::Input::kPinned);
  FileObject* node = nodes_.Reference(NodeId{ctx.nodeid});
  if (node == nullptr) return FailEarly(op, kStaleNode);
  op->fo = node;
  IoStackLocation* location = detail::PrepareIrp(*op, node, IrpMajor::SetEa);
  location->parameters.setEa.length = static_cast<uint32_t>(value.size());
  location->parameters.setEa.flags = flags;
  location->parameters.setEa.name = name;
  op->irp.bufferMethod = BufferMethod::Buffered;
  op->irp.systemBuffer = const_cast<std::byte*>(value.data());
  Start(op);
}

void DispatcherImpl::Removexattr(const RequestContext& ctx, std::string_view name, Reply reply) {
  if (!options_.extendedAttributes) {
    return FuseDispatcher::Removexattr(ctx, name, std::move(reply));
  }
  Operation* op = Begin(OpKind::kSimple, ctx, std::move(reply), detail::Input::kPinned);
  FileObject* node = nodes_.Reference(NodeId{ctx.nodeid});
  if (node == nullptr) return FailEarly(op, kStaleNode);
  op->fo = node;
  IoStackLocation* location = detail::PrepareIrp(*op, node, IrpMajor::SetEa);
  location->parameters.setEa.length = 0;
  location->parameters.setEa.flags = ea_flag::kRemove;
  location->parameters.setEa.name = name;
  op->irp.bufferMethod = BufferMethod::Buffered;
  op->irp.systemBuffer = nullptr;
  Start(op);
}

}  // namespace irpfs::fuse
