// IRP_MJ_SET_INFORMATION: attributes, size, position, delete disposition, rename, link.
// The buffer holds the class's struct from core/fs_info.h (STATUS_INFO_LENGTH_MISMATCH if
// shorter); IoStatus.information is 0.
#include <utility>

#include "fsclass/dispatch.h"
#include "fsclass/file_stat.h"
#include "fsclass/path.h"

namespace irpfs::fsclass {

namespace {

constexpr uint32_t kFallocKeepSize = 0x01;  // FALLOC_FL_KEEP_SIZE

template <class T>
const T* InfoBuffer(Irp* irp, uint32_t length) {
  if (length < sizeof(T)) return nullptr;
  return static_cast<const T*>(IoGetIrpBuffer(irp));
}

bool HasAccess(const OpenFile& open, uint32_t mask) {
  return (open.fileObject->grantedAccess & mask) != 0;
}

NtStatus SetSize(const OpenFile& open, const OperationContext& ctx, uint64_t size) {
  FilePosixInfo info;
  info.valid = posix_valid::kSize;
  info.size = size;
  return Guarded([&] {
    return open.volume->mini().SetFileInformation(ctx, open.fcb->node, open.ccb->openContext, info);
  });
}

NtStatus SetAllocation(const OpenFile& open, const OperationContext& ctx, uint64_t size) {
  FileStat stat;
  NtStatus s = StatOf(*open.volume, ctx, open.fcb, &stat);
  if (!NtSuccess(s)) return s;
  // NT: an allocation below end of file truncates; above, it only reserves space.
  if (size < stat.size) return SetSize(open, ctx, size);
  s = Guarded([&] {
    return open.volume->mini().Allocate(ctx, open.fcb->node, open.ccb->openContext, 0, size,
                                        kFallocKeepSize);
  });
  // Reservation is a hint; a file system that cannot reserve still holds the data.
  if (s == NtStatus::InvalidDeviceRequest || s == NtStatus::NotSupported) {
    return NtStatus::Success;
  }
  return s;
}

// Collects the name an open was made by: its directory (referenced) and the name.
bool NameOfOpen(const OpenFile& open, FcbRef* parent, std::string* name) {
  std::lock_guard lock(open.fcb->mutex);
  if (open.ccb->parent == nullptr) return false;
  open.volume->fcbs().Reference(open.ccb->parent);
  parent->Reset(open.ccb->parent);
  *name = open.ccb->name;
  return true;
}

class FirstEntryProbe final : public DirectoryFiller {
 public:
  bool Add(std::string_view, uint64_t, const FileStat&) override {
    found = true;
    return false;
  }
  bool NeedsFullStat() const override { return false; }
  bool found = false;
};

NtStatus SetDisposition(const OpenFile& open, const OperationContext& ctx, uint32_t flags) {
  VolumeContext& volume = *open.volume;
  Fcb* fcb = open.fcb;
  if (!HasAccess(open, access::kDelete)) return NtStatus::AccessDenied;
  if (volume.options().readOnly) return NtStatus::MediaWriteProtected;
  if (!(flags & disposition_flag::kDelete)) {
    Fcb* old;
    {
      std::lock_guard lock(fcb->mutex);
      open.ccb->deleteOnClose = false;
      fcb->deletePending = false;
      old = std::exchange(fcb->deleteParent, nullptr);
    }
    if (old) volume.fcbs().Release(old);
    return NtStatus::Success;
  }
  if (fcb == volume.root()) return NtStatus::CannotDelete;
  FcbRef parent(volume.fcbs());
  std::string name;
  if (!NameOfOpen(open, &parent, &name)) return NtStatus::CannotDelete;
  FileStat stat;
  NtStatus s = StatOf(volume, ctx, fcb, &stat);
  if (!NtSuccess(s)) return s;
  if (!fcb->IsDirectory() && (stat.attributes & file_attribute::kReadonly) &&
      !(flags & disposition_flag::kIgnoreReadonly)) {
    return NtStatus::CannotDelete;
  }
  if (fcb->IsDirectory()) {
    FirstEntryProbe probe;
    s = Guarded([&] { return volume.mini().FindFiles(ctx, fcb->node, nullptr, 0, probe); });
    if (NtSuccess(s) && probe.found) return NtStatus::DirectoryNotEmpty;
  }
  s = Guarded([&] { return volume.mini().CanRemove(ctx, parent->node, name, fcb->node); });
  if (!NtSuccess(s)) return s;
  if (flags & disposition_flag::kPosixSemantics) {
    // The name goes now; the node lives on for its opens, and its other names (hard
    // links) stay.
    return RemoveNameOf(volume, ctx, fcb, parent.get(), name);
  }
  std::lock_guard lock(fcb->mutex);
  if (!fcb->deletePending) MarkDeletePendingLocked(volume, fcb, parent.get(), name);
  return NtStatus::Success;
}

// The directory and last component a rename or link target names; the directory is
// referenced through *dir.
NtStatus ResolveTarget(const OpenFile& open, const OperationContext& ctx,
                       const FileRenameInfo& target, FcbRef* dir, std::string_view* name) {
  VolumeContext& volume = *open.volume;
  Fcb* start = volume.root();
  if (FileObject* root = target.rootDirectory) {
    if (VolumeOfStack(root->deviceObject) != &volume) return NtStatus::NotSameDevice;
    start = static_cast<Fcb*>(root->fsContext);
    auto* rootCcb = static_cast<Ccb*>(root->fsContext2);
    if (start == nullptr || rootCcb == nullptr) return NtStatus::InvalidHandle;
    if (rootCcb->cleanedUp.load(std::memory_order_acquire)) return NtStatus::FileClosed;
  }
  ParsedName parsed;
  NtStatus s = ParseName(target.fileName, target.rootDirectory == nullptr, &parsed);
  if (!NtSuccess(s)) return s;
  if (parsed.relative.empty()) return NtStatus::ObjectNameInvalid;
  std::string_view dirPart;
  SplitLast(parsed.relative, &dirPart, name);
  return WalkDirectories(volume, ctx, start, dirPart, dir->out());
}

// Whether `name` exists in `dir`.
NtStatus NameExists(VolumeContext& volume, const OperationContext& ctx, Fcb* dir,
                    std::string_view name, bool* exists) {
  NodeRef node;
  NtStatus s = Guarded([&] { return volume.mini().Lookup(ctx, dir->node, name, &node); });
  *exists = NtSuccess(s);
  if (*exists) GuardedVoid([&] { volume.mini().Forget(node); });
  return *exists || IsNotFound(s) ? NtStatus::Success : s;
}

NtStatus Rename(const OpenFile& open, const OperationContext& ctx, const FileRenameInfo& info) {
  VolumeContext& volume = *open.volume;
  if (!HasAccess(open, access::kDelete)) return NtStatus::AccessDenied;
  if (volume.options().readOnly) return NtStatus::MediaWriteProtected;
  FcbRef fromDir(volume.fcbs());
  std::string fromName;
  if (!NameOfOpen(open, &fromDir, &fromName)) return NtStatus::AccessDenied;  // the root
  FcbRef toDir(volume.fcbs());
  std::string_view toName;
  NtStatus s = ResolveTarget(open, ctx, info, &toDir, &toName);
  if (!NtSuccess(s)) return s;
  uint32_t flags = info.flags & (rename_flag::kReplaceIfExists | rename_flag::kExchange);
  if (!flags) {
    bool exists;
    s = NameExists(volume, ctx, toDir.get(), toName, &exists);
    if (!NtSuccess(s)) return s;
    bool itself = exists && toDir.get() == fromDir.get() && toName == fromName;
    if (exists && !itself) return NtStatus::ObjectNameCollision;
  }
  s = Guarded(
      [&] { return volume.mini().Move(ctx, fromDir->node, fromName, toDir->node, toName, flags); });
  if (!NtSuccess(s)) return s;
  // The open now goes by the new name (for a later delete-on-close).
  Fcb* old;
  {
    std::lock_guard lock(open.fcb->mutex);
    old = std::exchange(open.ccb->parent, toDir.release());
    open.ccb->name.assign(toName);
  }
  volume.fcbs().Release(old);
  return NtStatus::Success;
}

NtStatus Link(const OpenFile& open, const OperationContext& ctx, const FileRenameInfo& info) {
  VolumeContext& volume = *open.volume;
  if (volume.options().readOnly) return NtStatus::MediaWriteProtected;
  if (open.fcb->IsDirectory()) return NtStatus::FileIsADirectory;
  FcbRef toDir(volume.fcbs());
  std::string_view toName;
  NtStatus s = ResolveTarget(open, ctx, info, &toDir, &toName);
  if (!NtSuccess(s)) return s;
  bool exists;
  s = NameExists(volume, ctx, toDir.get(), toName, &exists);
  if (!NtSuccess(s)) return s;
  if (exists) {
    if (!(info.flags & rename_flag::kReplaceIfExists)) return NtStatus::ObjectNameCollision;
    s = Guarded([&] { return volume.mini().Remove(ctx, toDir->node, toName); });
    if (!NtSuccess(s)) return s;
  }
  return Guarded([&] { return volume.mini().Link(ctx, open.fcb->node, toDir->node, toName); });
}

NtStatus Set(const OpenFile& open, Irp* irp, const SetInformationParameters& p) {
  OperationContext ctx = ContextOf(irp);
  VolumeContext& volume = *open.volume;
  bool readOnly = volume.options().readOnly;
  MiniFileSystem& mini = volume.mini();
  switch (p.fileInformationClass) {
    case FileInformationClass::FileBasicInformation: {
      auto* info = InfoBuffer<FileBasicInfo>(irp, p.length);
      if (info == nullptr) return NtStatus::InfoLengthMismatch;
      if (!HasAccess(open, access::kWriteAttributes)) return NtStatus::AccessDenied;
      if (readOnly) return NtStatus::MediaWriteProtected;
      return Guarded([&] { return mini.SetBasicInformation(ctx, open.fcb->node, *info); });
    }
    case FileInformationClass::FilePosixInformation: {
      auto* info = InfoBuffer<FilePosixInfo>(irp, p.length);
      if (info == nullptr) return NtStatus::InfoLengthMismatch;
      if (readOnly) return NtStatus::MediaWriteProtected;
      if ((info->valid & posix_valid::kSize) && open.fcb->IsDirectory()) {
        return NtStatus::FileIsADirectory;
      }
      return Guarded([&] {
        return mini.SetFileInformation(ctx, open.fcb->node, open.ccb->openContext, *info);
      });
    }
    case FileInformationClass::FileEndOfFileInformation:
    case FileInformationClass::FileAllocationInformation:
    case FileInformationClass::FileAllocateRangeInformation: {
      size_t need = p.fileInformationClass == FileInformationClass::FileAllocateRangeInformation
                        ? sizeof(FileAllocateRangeInfo)
                        : sizeof(uint64_t);
      if (p.length < need || IoGetIrpBuffer(irp) == nullptr) return NtStatus::InfoLengthMismatch;
      if (open.fcb->IsDirectory()) return NtStatus::FileIsADirectory;
      if (!HasAccess(open, access::kWriteData | access::kAppendData)) {
        return NtStatus::AccessDenied;
      }
      if (readOnly) return NtStatus::MediaWriteProtected;
      if (p.fileInformationClass == FileInformationClass::FileEndOfFileInformation) {
        return SetSize(open, ctx, InfoBuffer<FileEndOfFileInfo>(irp, p.length)->endOfFile);
      }
      if (p.fileInformationClass == FileInformationClass::FileAllocationInformation) {
        return SetAllocation(open, ctx,
                             InfoBuffer<FileAllocationInfo>(irp, p.length)->allocationSize);
      }
      auto* range = InfoBuffer<FileAllocateRangeInfo>(irp, p.length);
      return Guarded([&] {
        return mini.Allocate(ctx, open.fcb->node, open.ccb->openContext, range->offset,
                             range->length, range->mode);
      });
    }
    case FileInformationClass::FilePositionInformation: {
      auto* info = InfoBuffer<FilePositionInfo>(irp, p.length);
      if (info == nullptr) return NtStatus::InfoLengthMismatch;
      open.fileObject->currentByteOffset = info->currentByteOffset;
      return NtStatus::Success;
    }
    case FileInformationClass::FileDispositionInformation:
    case FileInformationClass::FileDispositionInformationEx: {
      auto* info = InfoBuffer<FileDispositionInfo>(irp, p.length);
      if (info == nullptr) return NtStatus::InfoLengthMismatch;
      uint32_t flags = info->flags;
      if (p.fileInformationClass == FileInformationClass::FileDispositionInformation) {
        flags &= disposition_flag::kDelete;  // the plain class is a yes/no
      }
      return SetDisposition(open, ctx, flags);
    }
    case FileInformationClass::FileRenameInformation:
    case FileInformationClass::FileRenameInformationEx: {
      auto* info = InfoBuffer<FileRenameInfo>(irp, p.length);
      if (info == nullptr) return NtStatus::InfoLengthMismatch;
      return Rename(open, ctx, *info);
    }
    case FileInformationClass::FileLinkInformation: {
      auto* info = InfoBuffer<FileRenameInfo>(irp, p.length);
      if (info == nullptr) return NtStatus::InfoLengthMismatch;
      return Link(open, ctx, *info);
    }
    default:
      return NtStatus::InvalidInfoClass;
  }
}

}  // namespace

NtStatus DispatchSetInformation(DeviceObject* device, Irp* irp) {
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  if (NtSuccess(s)) {
    if (IoGetIrpBuffer(irp) == nullptr) {
      s = NtStatus::InvalidUserBuffer;
    } else {
      s = Set(open, irp, IoGetCurrentIrpStackLocation(irp)->parameters.setFile);
    }
  }
  return IoCompleteWith(irp, s);
}

}  // namespace irpfs::fsclass
