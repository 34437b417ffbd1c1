// Name operations: LOOKUP, MKNOD/MKDIR/SYMLINK, CREATE, UNLINK/RMDIR, RENAME(2), LINK.
// Each one opens names relative to the parent's node FileObject (docs/fuse-mapping.md).
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <utility>

#include "core/io_manager.h"
#include "transport/fuse/dispatcher_impl.h"
#include "transport/fuse/dispatcher_irps.h"
#include "transport/fuse/dispatcher_operation.h"

namespace irpfs::fuse {

using detail::kStaleNode;
using detail::Next;
using detail::Operation;
using detail::OpKind;

namespace {

FileObject* TakeCreated(Operation& op) {
  return std::exchange(op.created, nullptr);
}

// The flags of a FUSE rename as FileRenameInformationEx flags; false for flags POSIX
// defines but irpfs does not do (RENAME_WHITEOUT) or that contradict each other.
bool RenameFlags(uint32_t fuseFlags, uint32_t* flags) {
  constexpr uint32_t kKnown = RENAME_NOREPLACE | RENAME_EXCHANGE;
  if (fuseFlags & ~kKnown) return false;
  if ((fuseFlags & RENAME_NOREPLACE) && (fuseFlags & RENAME_EXCHANGE)) return false;
  // POSIX semantics always: rename(2) replaces a target even while it is open.
  *flags = rename_flag::kPosixSemantics;
  if (fuseFlags & RENAME_EXCHANGE) {
    *flags |= rename_flag::kExchange;
  } else if (!(fuseFlags & RENAME_NOREPLACE)) {
    *flags |= rename_flag::kReplaceIfExists;
  }
  return true;
}

// fuse_mknod_in.rdev is the kernel's new_encode_dev() form.
uint64_t DecodeDev(uint32_t rdev) {
  uint32_t major = (rdev & 0xfff00u) >> 8;
  uint32_t minor = (rdev & 0xffu) | ((rdev >> 12) & 0xfff00u);
  return makedev(major, minor);
}

}  // namespace

// ---- LOOKUP: a QUERY_OPEN of the name; a node the table already has is answered from
// it (no open, no CLEANUP or CLOSE), a new one is opened as a node FileObject, stat'ed
// and kept.

namespace {
constexpr int kLookupQueried = 100;  // step: the QUERY_OPEN has come back
}  // namespace

void DispatcherImpl::Lookup(const RequestContext& ctx, std::string_view name, Reply reply) {
  Operation* op = Begin(OpKind::kLookup, ctx, std::move(reply));
  KeepNames(op, name);
  listings_.LookedUp(ctx.nodeid);
  Run(op);
}

Next DispatcherImpl::StepLookup(Operation& op) {
  if (op.step == 0) {
    op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
    if (op.fo == nullptr) return Fail(op, kStaleNode);
    if (!queryOpenRefused_.load(std::memory_order_relaxed)) {
      op.step = kLookupQueried;
      detail::PrepareQueryOpen(op, volume_, op.fo, op.name, nodeAccess_, &op.stat);
      return Next::kSend;
    }
  } else if (op.step == kLookupQueried) {
    NtStatus status = op.irp.ioStatus.status;
    if (NtSuccess(status)) {
      NodeEntry entry;
      if (nodes_.AddLookupByFileId(op.stat.fileId, &entry)) {
        ReleaseHeld(op);
        op.reply.Entry(EntryOut(entry, op.stat));
        return Next::kDone;
      }
      // A node the table does not have: open it below, so the table can keep it.
    } else if (status == NtStatus::InvalidDeviceRequest || status == NtStatus::NotImplemented) {
      // Something in the stack does not take QUERY_OPEN (a driver's default dispatch):
      // open for every lookup from now on.
      queryOpenRefused_.store(true, std::memory_order_relaxed);
    } else {
      return FailLookup(op, status);
    }
  } else if (op.step == 1 && !NtSuccess(op.irp.ioStatus.status)) {
    return FailLookup(op, op.irp.ioStatus.status);  // the open of the name below
  } else {
    return StepEntryOfCreated(op);
  }
  op.step = 1;
  detail::PrepareCreate(op, volume_, op.fo, op.name, nodeAccess_, CreateDisposition::Open,
                        create_option::kOpenReparsePoint);
  return Next::kSend;
}

// A name that is not there is answered as an entry with node id 0 when negative entries
// are on: the kernel keeps it as a negative dentry for that long, so a program that keeps
// probing for a name (a compiler's .gch next to every header, make's targets) asks once.
// Names made through the mount replace the negative dentry at once; one made behind the
// kernel (the mirror's host directory) shows when it expires, as a removed one does.
Next DispatcherImpl::FailLookup(Operation& op, NtStatus status) {
  if (status != NtStatus::ObjectNameNotFound || options_.negativeTimeout <= 0) {
    return Fail(op, status);
  }
  ReleaseHeld(op);
  fuse_entry_out negative{};
  detail::SplitTimeout(options_.negativeTimeout, &negative.entry_valid, &negative.entry_valid_nsec);
  op.reply.Entry(negative);
  return Next::kDone;
}

Next DispatcherImpl::StepEntryOfCreated(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  if (!NtSuccess(status)) return Fail(op, status);
  if (op.step++ == 1) {
    op.opened = TakeCreated(op);
    detail::PrepareQueryStat(op, op.opened);
    return Next::kSend;
  }
  RememberResult remembered = nodes_.Remember(op.stat.fileId, op.opened);
  if (remembered.adopted) op.opened = nullptr;
  ReleaseHeld(op);
  op.reply.Entry(EntryOut(remembered.entry, op.stat));
  return Next::kDone;
}

// ---- MKNOD, MKDIR, SYMLINK: a CREATE with disposition Create makes the node FileObject.

void DispatcherImpl::Mknod(const RequestContext& ctx, const fuse_mknod_in& in,
                           std::string_view name, Reply reply) {
  Operation* op = Begin(OpKind::kMakeNode, ctx, std::move(reply));
  KeepNames(op, name);
  op->mode = (in.mode & S_IFMT) ? in.mode : (in.mode | S_IFREG);
  op->umask = in.umask;
  op->rdev = DecodeDev(in.rdev);
  Run(op);
}

void DispatcherImpl::Mkdir(const RequestContext& ctx, const fuse_mkdir_in& in,
                           std::string_view name, Reply reply) {
  Operation* op = Begin(OpKind::kMakeNode, ctx, std::move(reply));
  KeepNames(op, name);
  // The kernel passes the permission bits only.
  op->mode = (in.mode & ~S_IFMT) | S_IFDIR;
  op->umask = in.umask;
  Run(op);
}

void DispatcherImpl::Symlink(const RequestContext& ctx, std::string_view name,
                             std::string_view target, Reply reply) {
  Operation* op = Begin(OpKind::kMakeNode, ctx, std::move(reply));
  KeepNames(op, name, target);
  op->mode = S_IFLNK | 0777;
  Run(op);
}

Next DispatcherImpl::StepMakeNode(Operation& op) {
  if (op.step != 0) return StepEntryOfCreated(op);
  op.step = 1;
  op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
  if (op.fo == nullptr) return Fail(op, kStaleNode);
  uint32_t type = op.mode & S_IFMT;
  uint32_t options = create_option::kOpenReparsePoint;
  if (type == S_IFDIR) options |= create_option::kDirectoryFile;
  IoStackLocation* location = detail::PrepareCreate(op, volume_, op.fo, op.name, nodeAccess_,
                                                    CreateDisposition::Create, options);
  CreateParameters& create = location->parameters.create;
  create.mode = op.mode;
  create.umask = op.umask;
  create.rdev = op.rdev;
  create.symlinkTarget = op.name2;
  if (type == S_IFDIR) create.fileAttributes = file_attribute::kDirectory;
  return Next::kSend;
}

// ---- CREATE: the open (the fh) first, then a node FileObject of the same file.

void DispatcherImpl::Create(const RequestContext& ctx, const fuse_create_in& in,
                            std::string_view name, Reply reply) {
  Operation* op = Begin(OpKind::kCreate, ctx, std::move(reply));
  KeepNames(op, name);
  op->flags = OpenFlagsForDriver(in.flags);
  op->mode = (in.mode & S_IFMT) ? in.mode : (in.mode | S_IFREG);
  op->umask = in.umask;
  Run(op);
}

Next DispatcherImpl::StepCreate(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  switch (op.step++) {
    case 0: {
      op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
      if (op.fo == nullptr) return Fail(op, kStaleNode);
      // The kernel sends CREATE for a name it believes absent; without O_EXCL another
      // creator may have won meanwhile, and POSIX then opens theirs.
      CreateDisposition disposition = CreateDisposition::OpenIf;
      if (op.flags & O_EXCL) {
        disposition = CreateDisposition::Create;
      } else if (op.flags & O_TRUNC) {
        disposition = CreateDisposition::OverwriteIf;
      }
      IoStackLocation* location = detail::PrepareCreate(
          op, volume_, op.fo, op.name, detail::AccessOfOpenFlags(op.flags), disposition,
          detail::CreateOptionsOfOpenFlags(op.flags) | create_option::kNonDirectoryFile);
      CreateParameters& create = location->parameters.create;
      create.mode = op.mode;
      create.umask = op.umask;
      create.openFlags = op.flags;
      return Next::kSend;
    }
    case 1:
      if (!NtSuccess(status)) return Fail(op, status);
      op.opened = TakeCreated(op);
      detail::PrepareCreate(op, volume_, op.opened, {}, nodeAccess_, CreateDisposition::Open,
                            create_option::kOpenReparsePoint);
      return Next::kSend;
    case 2:
      if (!NtSuccess(status)) return Fail(op, status);
      op.opened2 = TakeCreated(op);
      detail::PrepareQueryStat(op, op.opened2);
      return Next::kSend;
    case 3:
      if (!NtSuccess(status)) return Fail(op, status);
      // Passthrough for the new open (regular files only; the query refuses others).
      if (S_ISREG(op.stat.mode) && PrepareBackingQuery(op)) return Next::kSend;
      break;
    default:
      break;  // the backing query answered; ChooseOpenIo reads its status
  }
  bool queried = op.step == 5;
  RememberResult remembered = nodes_.Remember(op.stat.fileId, op.opened2);
  if (remembered.adopted) op.opened2 = nullptr;
  OpenInfo info{op.flags, false, remembered.entry.id};
  fuse_open_out open{};
  ChooseOpenIo(op, remembered.entry, queried, &info, &open);
  // The stat of the entry reply serves autoCache too: O_CREAT may have opened a file
  // the kernel read before.
  if (StatsOpensForAutoCache() && UnchangedSinceLastOpen(remembered.entry.id, op.stat)) {
    open.open_flags |= fopen::kKeepCache;
  }
  open.fh = handles_.Insert(std::exchange(op.opened, nullptr), info).value;
  ReleaseHeld(op);
  op.reply.Create(EntryOut(remembered.entry, op.stat), open);
  return Next::kDone;
}

// ---- UNLINK, RMDIR: open with DELETE access, set a POSIX delete disposition, close.

void DispatcherImpl::Unlink(const RequestContext& ctx, std::string_view name, Reply reply) {
  Operation* op = Begin(OpKind::kRemove, ctx, std::move(reply));
  KeepNames(op, name);
  op->flags = create_option::kNonDirectoryFile;
  Run(op);
}

void DispatcherImpl::Rmdir(const RequestContext& ctx, std::string_view name, Reply reply) {
  Operation* op = Begin(OpKind::kRemove, ctx, std::move(reply));
  KeepNames(op, name);
  op->flags = create_option::kDirectoryFile;
  Run(op);
}

Next DispatcherImpl::StepRemove(Operation& op) {
  if (op.step == 0) {
    op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
    if (op.fo == nullptr) return Fail(op, kStaleNode);
    op.disposition.flags = disposition_flag::kDelete | disposition_flag::kPosixSemantics;
  }
  return StepSetInformationOnName(op, op.flags, FileInformationClass::FileDispositionInformationEx,
                                  &op.disposition, sizeof op.disposition);
}

Next DispatcherImpl::StepSetInformationOnName(Operation& op, uint32_t createOptions,
                                              FileInformationClass infoClass, void* info,
                                              uint32_t length) {
  NtStatus status = op.irp.ioStatus.status;
  switch (op.step++) {
    case 0:
      detail::PrepareCreate(op, volume_, op.fo, op.name, access::kDelete | access::kReadAttributes,
                            CreateDisposition::Open,
                            create_option::kOpenReparsePoint | createOptions);
      return Next::kSend;
    case 1:
      if (!NtSuccess(status)) return Fail(op, status);
      op.opened = TakeCreated(op);
      detail::PrepareSetInformation(op, op.opened, infoClass, info, length);
      return Next::kSend;
    default:
      if (!NtSuccess(status)) return Fail(op, status);
      ReleaseHeld(op);
      op.reply.Empty();
      return Next::kDone;
  }
}

// ---- RENAME, RENAME2: open the source with DELETE access, rename it relative to the
// new parent's node FileObject, close.

void DispatcherImpl::Rename(const RequestContext& ctx, const fuse_rename_in& in,
                            std::string_view oldName, std::string_view newName, Reply reply) {
  fuse_rename2_in in2{};
  in2.newdir = in.newdir;
  Rename2(ctx, in2, oldName, newName, std::move(reply));
}

void DispatcherImpl::Rename2(const RequestContext& ctx, const fuse_rename2_in& in,
                             std::string_view oldName, std::string_view newName, Reply reply) {
  uint32_t flags = 0;
  if (!RenameFlags(in.flags, &flags)) return reply.Error(EINVAL);
  Operation* op = Begin(OpKind::kRename, ctx, std::move(reply));
  KeepNames(op, oldName, newName);
  op->flags = flags;
  op->offset = in.newdir;
  listings_.Changed(in.newdir);
  Run(op);
}

Next DispatcherImpl::StepRename(Operation& op) {
  if (op.step == 0) {
    op.fo = nodes_.Reference(NodeId{op.ctx.nodeid});
    op.fo2 = nodes_.Reference(NodeId{op.offset});
    if (op.fo == nullptr || op.fo2 == nullptr) return Fail(op, kStaleNode);
    op.rename = FileRenameInfo{op.flags, op.fo2, op.name2};
  }
  return StepSetInformationOnName(op, 0, FileInformationClass::FileRenameInformationEx, &op.rename,
                                  sizeof op.rename);
}

// ---- LINK: a new name for an existing node, made on its node FileObject.

void DispatcherImpl::Link(const RequestContext& ctx, const fuse_link_in& in,
                          std::string_view newName, Reply reply) {
  Operation* op = Begin(OpKind::kLink, ctx, std::move(reply));
  KeepNames(op, newName);
  op->offset = in.oldnodeid;
  Run(op);
}

Next DispatcherImpl::StepLink(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  switch (op.step++) {
    case 0:
      op.fo = nodes_.Reference(NodeId{op.offset});
      op.fo2 = nodes_.Reference(NodeId{op.ctx.nodeid});
      if (op.fo == nullptr || op.fo2 == nullptr) return Fail(op, kStaleNode);
      op.rename = FileRenameInfo{0, op.fo2, op.name};
      detail::PrepareSetInformation(op, op.fo, FileInformationClass::FileLinkInformation,
                                    &op.rename, sizeof op.rename);
      return Next::kSend;
    case 1:
      if (!NtSuccess(status)) return Fail(op, status);
      detail::PrepareQueryStat(op, op.fo);
      return Next::kSend;
    default: {
      if (!NtSuccess(status)) return Fail(op, status);
      NodeEntry entry;
      if (!nodes_.AddLookup(NodeId{op.offset}, &entry)) return Fail(op, kStaleNode);
      ReleaseHeld(op);
      op.reply.Entry(EntryOut(entry, op.stat));
      return Next::kDone;
    }
  }
}

}  // namespace irpfs::fuse
