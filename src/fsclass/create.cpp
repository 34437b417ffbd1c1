// IRP_MJ_CREATE: resolve the name, apply the disposition, check access and share modes,
// then let the mini open the node. Every step before the mini's Open is undone when a
// later one fails.
#include <fcntl.h>
#include <sys/stat.h>

#include <string>

#include "fsclass/dispatch.h"
#include "fsclass/file_stat.h"
#include "fsclass/path.h"

namespace irpfs::fsclass {

namespace {

// Access that changes the volume: refused on a read-only one.
constexpr uint32_t kModifyingAccess = access::kWriteData | access::kAppendData | access::kDelete |
                                      access::kWriteAttributes | access::kWriteEa;
constexpr uint32_t kDataWriteAccess = access::kWriteData | access::kAppendData;

bool Overwrites(CreateDisposition d) {
  return d == CreateDisposition::Overwrite || d == CreateDisposition::OverwriteIf ||
         d == CreateDisposition::Supersede;
}

NtStatus MakeNewNodeSpec(const CreateParameters& p, const Requestor& requestor, NewNodeSpec* spec) {
  uint32_t type = p.mode & S_IFMT;
  bool wantDirectory = (p.options & create_option::kDirectoryFile) != 0;
  if (type == 0) type = wantDirectory ? S_IFDIR : S_IFREG;
  if (wantDirectory && type != S_IFDIR) return NtStatus::InvalidParameter;
  if ((p.options & create_option::kNonDirectoryFile) && type == S_IFDIR) {
    return NtStatus::InvalidParameter;
  }
  uint32_t permissions = p.mode == 0 ? (type == S_IFDIR ? 0777 : 0666) : (p.mode & 07777);
  if (type == S_IFLNK) {
    if (p.symlinkTarget.empty()) return NtStatus::InvalidParameter;
    permissions = 0777;  // symlink permissions mean nothing; Linux shows 0777
  } else {
    permissions &= ~p.umask;
  }
  spec->mode = type | permissions;
  spec->uid = requestor.uid;
  spec->gid = requestor.gid;
  spec->rdev = p.rdev;
  spec->attributes = p.fileAttributes;
  spec->symlinkTarget = p.symlinkTarget;
  return NtStatus::Success;
}

struct CreateRequest {
  VolumeContext& volume;
  OperationContext ctx;
  FileObject* fileObject;
  const CreateParameters& params;
  uint32_t access;
  bool deleteOnClose;
  bool trailingSlash;
};

// The checks on a node that exists, in NT's order. Returns the CreateAction on success.
NtStatus CheckExisting(const CreateRequest& r, Fcb* fcb, CreateAction* action) {
  const CreateParameters& p = r.params;
  if (p.disposition == CreateDisposition::Create) return NtStatus::ObjectNameCollision;
  bool directory = fcb->IsDirectory();
  if (!directory && ((p.options & create_option::kDirectoryFile) || r.trailingSlash)) {
    return NtStatus::NotADirectory;
  }
  if (directory && (p.options & create_option::kNonDirectoryFile)) {
    return NtStatus::FileIsADirectory;
  }
  bool overwrite = Overwrites(p.disposition);
  if (overwrite && directory) return NtStatus::FileIsADirectory;
  if (r.deleteOnClose && fcb == r.volume.root()) return NtStatus::CannotDelete;
  bool modifies = (r.access & kModifyingAccess) || overwrite || r.deleteOnClose;
  if (modifies && r.volume.options().readOnly) return NtStatus::MediaWriteProtected;
  if (!directory && ((r.access & kDataWriteAccess) || overwrite || r.deleteOnClose)) {
    FileStat stat;
    NtStatus s =
        Guarded([&] { return r.volume.mini().GetFileInformation(r.ctx, fcb->node, &stat); });
    if (!NtSuccess(s)) return s;
    if (stat.attributes & file_attribute::kReadonly) {
      return r.deleteOnClose && !(r.access & kDataWriteAccess) && !overwrite
                 ? NtStatus::CannotDelete
                 : NtStatus::AccessDenied;
    }
  }
  if (!overwrite) {
    *action = CreateAction::Opened;
  } else {
    *action = p.disposition == CreateDisposition::Supersede ? CreateAction::Superseded
                                                            : CreateAction::Overwritten;
  }
  return NtStatus::Success;
}

// Makes `name` in `parent`; *out receives the new node's FCB. A name that appeared
// meanwhile is STATUS_OBJECT_NAME_COLLISION.
NtStatus CreateNode(const CreateRequest& r, Fcb* parent, std::string_view name, Fcb** out) {
  if (r.volume.options().readOnly) return NtStatus::MediaWriteProtected;
  {
    std::lock_guard lock(parent->mutex);
    if (parent->deletePending) return NtStatus::DeletePending;  // no new names in it
  }
  if (r.trailingSlash && !(r.params.options & create_option::kDirectoryFile)) {
    return NtStatus::ObjectNameInvalid;
  }
  NewNodeSpec spec;
  NtStatus s = MakeNewNodeSpec(r.params, r.ctx.requestor, &spec);
  if (!NtSuccess(s)) return s;
  NodeRef node;
  s = Guarded([&] { return r.volume.mini().Create(r.ctx, parent->node, name, spec, &node); });
  if (!NtSuccess(s)) return s;
  return r.volume.fcbs().Acquire(r.ctx, node, spec.mode & S_IFMT, out);
}

void FillFileObject(const CreateRequest& r, Fcb* fcb, Ccb* ccb, const ShareRequest& share) {
  FileObject* fo = r.fileObject;
  fo->fsContext = fcb;
  fo->fsContext2 = ccb;
  fo->grantedAccess = r.access;
  fo->shareAccess = r.params.shareAccess;
  RecordShareRequest(share, fo);
  uint32_t options = r.params.options;
  uint32_t flags = fo_flag::kOpened;
  if (fcb->IsDirectory()) flags |= fo_flag::kDirectory;
  if (r.deleteOnClose) flags |= fo_flag::kDeleteOnClose;
  if (options & create_option::kWriteThrough) flags |= fo_flag::kWriteThrough;
  if (options & create_option::kSequentialOnly) flags |= fo_flag::kSequentialOnly;
  if (options & create_option::kRandomAccess) flags |= fo_flag::kRandomAccess;
  if (options & create_option::kNoIntermediateBuffering) {
    flags |= fo_flag::kNoIntermediateBuffering;
  }
  fo->flags |= flags;
}

// Where the file object's name starts (the root, or the related open's file) and the
// name parsed.
NtStatus StartOfName(VolumeContext& volume, FileObject* fo, Fcb** start, Ccb** relatedCcb,
                     ParsedName* name) {
  *start = volume.root();
  *relatedCcb = nullptr;
  if (FileObject* related = fo->relatedFileObject) {
    if (VolumeOfStack(related->deviceObject) != &volume) return NtStatus::InvalidParameter;
    *start = static_cast<Fcb*>(related->fsContext);
    *relatedCcb = static_cast<Ccb*>(related->fsContext2);
    if (*start == nullptr || *relatedCcb == nullptr) return NtStatus::InvalidHandle;
    if ((*relatedCcb)->cleanedUp.load(std::memory_order_acquire)) return NtStatus::FileClosed;
  }
  return ParseName(fo->fileName, *relatedCcb == nullptr, name);
}

NtStatus CreateFile(VolumeContext& volume, Irp* irp, IoStackLocation* sl, uint64_t* info) {
  FileObject* fo = sl->fileObject;
  if (fo == nullptr) return NtStatus::InvalidParameter;
  const CreateParameters& p = sl->parameters.create;
  if (static_cast<uint32_t>(p.disposition) >
      static_cast<uint32_t>(CreateDisposition::OverwriteIf)) {
    return NtStatus::InvalidParameter;
  }
  if ((p.options & create_option::kDirectoryFile) &&
      (p.options & create_option::kNonDirectoryFile)) {
    return NtStatus::InvalidParameter;
  }
  // Opens by file id are not supported: transports reopen a node through a related file
  // object with an empty name instead.
  if (p.options & create_option::kOpenByFileId) return NtStatus::NotSupported;
  uint32_t access = access::MapGeneric(p.desiredAccess);
  bool deleteOnClose = (p.options & create_option::kDeleteOnClose) != 0;
  if (deleteOnClose && !(access & access::kDelete)) return NtStatus::InvalidParameter;

  Fcb* start = nullptr;
  Ccb* relatedCcb = nullptr;
  ParsedName name;
  NtStatus s = StartOfName(volume, fo, &start, &relatedCcb, &name);
  if (!NtSuccess(s)) return s;

  CreateRequest r{volume, ContextOf(irp), fo, p, access, deleteOnClose, name.trailingSlash};
  FcbTable& fcbs = volume.fcbs();
  FcbRef parent(fcbs);
  FcbRef target(fcbs);
  std::string openName;
  if (name.relative.empty()) {
    // The root itself, or another open of the related open's file.
    fcbs.Reference(start);
    target.Reset(start);
    if (relatedCcb) {
      std::lock_guard lock(start->mutex);
      if (relatedCcb->parent) fcbs.Reference(relatedCcb->parent);
      parent.Reset(relatedCcb->parent);
      openName = relatedCcb->name;
    }
  } else {
    std::string_view dirPart, last;
    SplitLast(name.relative, &dirPart, &last);
    s = WalkDirectories(volume, r.ctx, start, dirPart, parent.out());
    if (!NtSuccess(s)) return s;
    openName = last;
    s = LookupChild(volume, r.ctx, parent.get(), last, target.out());
    if (!NtSuccess(s) && s != NtStatus::ObjectNameNotFound) return s;
  }

  CreateAction action = CreateAction::Opened;
  bool created = false;
  for (int attempt = 0;; ++attempt) {
    if (target.get()) {
      s = CheckExisting(r, target.get(), &action);
      if (!NtSuccess(s)) return s;
      break;
    }
    if (p.disposition == CreateDisposition::Open || p.disposition == CreateDisposition::Overwrite) {
      return NtStatus::ObjectNameNotFound;
    }
    s = CreateNode(r, parent.get(), openName, target.out());
    if (s == NtStatus::ObjectNameCollision && p.disposition != CreateDisposition::Create &&
        attempt < 3) {
      // Lost a race with another creator: open theirs instead.
      s = LookupChild(volume, r.ctx, parent.get(), openName, target.out());
      if (!NtSuccess(s) && s != NtStatus::ObjectNameNotFound) return s;
      continue;
    }
    if (!NtSuccess(s)) return s;
    created = true;
    action = CreateAction::Created;
    break;
  }

  Fcb* fcb = target.get();
  ShareRequest share = MakeShareRequest(access, p.shareAccess);
  {
    std::lock_guard lock(fcb->mutex);
    if (fcb->deletePending) return NtStatus::DeletePending;
    if (volume.options().enforceShareAccess) {
      s = CheckShareAccess(share, fcb->shareAccess);
      if (!NtSuccess(s)) return s;
    }
    AddShareAccess(share, &fcb->shareAccess);
    ++fcb->openCount;
  }

  auto undo = [&](NtStatus failure) {
    EndOpen(volume, r.ctx, fcb, share, nullptr);
    if (created) RemoveNameOf(volume, r.ctx, fcb, parent.get(), openName);
    return failure;
  };

  if (action == CreateAction::Overwritten || action == CreateAction::Superseded) {
    FilePosixInfo truncate;
    truncate.valid = posix_valid::kSize;
    truncate.size = 0;
    s = Guarded(
        [&] { return volume.mini().SetFileInformation(r.ctx, fcb->node, nullptr, truncate); });
    if (!NtSuccess(s)) return undo(s);
  }

  auto* ccb = new Ccb;
  ccb->deleteOnClose = deleteOnClose;  // no other thread sees the CCB yet
  ccb->appendOnly = (p.openFlags & O_APPEND) ||
                    ((access & access::kAppendData) && !(access & access::kWriteData));
  ccb->synchronousIo = (fo->flags & fo_flag::kSynchronousIo) != 0;
  // O_CREAT tells the mini this open made the node (see MiniFileSystem::Open).
  uint32_t openFlags = (p.openFlags & ~(O_CREAT | O_EXCL)) | (created ? O_CREAT : 0);
  s = Guarded(
      [&] { return volume.mini().Open(r.ctx, fcb->node, access, openFlags, &ccb->openContext); });
  if (!NtSuccess(s)) {
    delete ccb;
    return undo(s);
  }
  {
    std::lock_guard lock(fcb->mutex);
    ccb->parent = parent.release();
    ccb->name = std::move(openName);
  }
  FillFileObject(r, target.release(), ccb, share);
  *info = static_cast<uint64_t>(action);
  return NtStatus::Success;
}

// IRP_MJ_QUERY_OPEN: what an open with these parameters would find, without opening it:
// the same walk and the same checks on the node (CheckExisting, delete pending), then its
// FileStat. No CCB, no share access, no mini Open, so no CLEANUP or CLOSE follows; the
// FCB is referenced only for the length of the call.
NtStatus QueryOpenFile(VolumeContext& volume, Irp* irp, IoStackLocation* sl) {
  FileObject* fo = sl->fileObject;
  auto* stat = static_cast<FileStat*>(irp->systemBuffer);
  if (fo == nullptr || stat == nullptr) return NtStatus::InvalidParameter;
  const CreateParameters& p = sl->parameters.create;
  // Only a plain open can be answered without opening.
  if (p.disposition != CreateDisposition::Open ||
      (p.options & (create_option::kOpenByFileId | create_option::kDeleteOnClose))) {
    return NtStatus::InvalidParameter;
  }
  if ((p.options & create_option::kDirectoryFile) &&
      (p.options & create_option::kNonDirectoryFile)) {
    return NtStatus::InvalidParameter;
  }
  Fcb* start = nullptr;
  Ccb* relatedCcb = nullptr;
  ParsedName name;
  NtStatus s = StartOfName(volume, fo, &start, &relatedCcb, &name);
  if (!NtSuccess(s)) return s;

  CreateRequest r{volume, ContextOf(irp),    fo, p, access::MapGeneric(p.desiredAccess),
                  false,  name.trailingSlash};
  FcbTable& fcbs = volume.fcbs();
  FcbRef target(fcbs);
  if (name.relative.empty()) {
    fcbs.Reference(start);
    target.Reset(start);
  } else {
    std::string_view dirPart, last;
    SplitLast(name.relative, &dirPart, &last);
    FcbRef parent(fcbs);
    s = WalkDirectories(volume, r.ctx, start, dirPart, parent.out());
    if (!NtSuccess(s)) return s;
    s = LookupChild(volume, r.ctx, parent.get(), last, target.out());
    if (!NtSuccess(s)) return s;
  }
  CreateAction action = CreateAction::Opened;
  s = CheckExisting(r, target.get(), &action);
  if (!NtSuccess(s)) return s;
  {
    std::lock_guard lock(target->mutex);
    if (target->deletePending) return NtStatus::DeletePending;
  }
  return StatOf(volume, r.ctx, target.get(), stat);
}

}  // namespace

NtStatus DispatchQueryOpen(DeviceObject* device, Irp* irp) {
  VolumeContext* volume = VolumeOf(device);
  if (volume == nullptr) return IoCompleteWith(irp, NtStatus::InvalidDeviceRequest);
  NtStatus s = QueryOpenFile(*volume, irp, IoGetCurrentIrpStackLocation(irp));
  return IoCompleteWith(irp, s, NtSuccess(s) ? sizeof(FileStat) : 0);
}

NtStatus DispatchCreate(DeviceObject* device, Irp* irp) {
  VolumeContext* volume = VolumeOf(device);
  if (volume == nullptr) return IoCompleteWith(irp, NtStatus::InvalidDeviceRequest);
  uint64_t info = 0;
  NtStatus s = CreateFile(*volume, irp, IoGetCurrentIrpStackLocation(irp), &info);
  return IoCompleteWith(irp, s, NtSuccess(s) ? info : 0);
}

}  // namespace irpfs::fsclass
