// IRP_MJ_DIRECTORY_CONTROL / IRP_MN_QUERY_DIRECTORY (IRP_MN_NOTIFY_CHANGE_DIRECTORY is not
// supported: STATUS_INVALID_DEVICE_REQUEST).
//
// Each open keeps its cursor (the cookie of the last entry returned) in its CCB, so
// successive queries continue; SL_RESTART_SCAN starts over (and takes a new pattern),
// SL_INDEX_SPECIFIED continues after the given fileIndex (FUSE's readdir offset),
// SL_RETURN_SINGLE_ENTRY returns at most one entry.
#include <sys/stat.h>

#include <mutex>

#include "fsclass/dir_enum.h"
#include "fsclass/dispatch.h"
#include "fsclass/file_stat.h"

namespace irpfs::fsclass {

namespace {

// The stat reported for "." or "..": the full one for readdirplus, else id and type.
NtStatus DotStat(VolumeContext& volume, const OperationContext& ctx, Fcb* fcb, bool full,
                 FileStat* stat) {
  if (full) return StatOf(volume, ctx, fcb, stat);
  *stat = FileStat{};
  stat->fileId = fcb->node.fileId;
  stat->mode = S_IFDIR;
  return NtStatus::Success;
}

NtStatus AddDots(const OpenFile& open, const OperationContext& ctx, bool full, uint64_t after,
                 DirEntryPacker* packer) {
  VolumeContext& volume = *open.volume;
  FileStat stat;
  if (after < kDotCookie && packer->Matches(".")) {
    NtStatus s = DotStat(volume, ctx, open.fcb, full, &stat);
    if (!NtSuccess(s)) return s;
    packer->AddEntry(".", kDotCookie, stat);
  } else if (after < kDotCookie) {
    packer->AddEntry(".", kDotCookie, stat);  // skipped by the pattern; moves the cursor
  }
  if (after >= kDotDotCookie || packer->stopped()) return NtStatus::Success;
  if (!packer->Matches("..")) {
    packer->AddEntry("..", kDotDotCookie, stat);
    return NtStatus::Success;
  }
  FcbRef parent(volume.fcbs());
  {
    std::lock_guard lock(open.fcb->mutex);
    Fcb* p = open.ccb->parent ? open.ccb->parent : open.fcb;  // the root is its own parent
    volume.fcbs().Reference(p);
    parent.Reset(p);
  }
  NtStatus s = DotStat(volume, ctx, parent.get(), full, &stat);
  if (!NtSuccess(s)) return s;
  packer->AddEntry("..", kDotDotCookie, stat);
  return NtStatus::Success;
}

NtStatus QueryDirectory(const OpenFile& open, Irp* irp, uint64_t* info) {
  IoStackLocation* sl = IoGetCurrentIrpStackLocation(irp);
  const QueryDirectoryParameters& p = sl->parameters.queryDirectory;
  if (!open.fcb->IsDirectory()) return NtStatus::InvalidParameter;
  bool full;
  switch (p.fileInformationClass) {
    case FileInformationClass::FileDirectoryInformation:
      full = false;
      break;
    case FileInformationClass::FileFullDirectoryInformation:
      full = true;
      break;
    default:
      return NtStatus::InvalidInfoClass;
  }
  void* buffer = IoGetIrpBuffer(irp);
  if (buffer == nullptr) return NtStatus::InvalidUserBuffer;
  OperationContext ctx = ContextOf(irp);

  std::lock_guard lock(open.ccb->enumMutex);
  DirCursor& cursor = open.ccb->cursor;
  bool newScan = !cursor.started || (sl->flags & sl::kRestartScan);
  if (newScan) {
    cursor.pattern.assign(p.fileName == "*" ? std::string_view{} : p.fileName);
    cursor.lastCookie = 0;
    cursor.started = true;
  }
  uint64_t after = (sl->flags & sl::kIndexSpecified) ? p.fileIndex : cursor.lastCookie;
  DirEntryPacker packer(buffer, p.length, cursor.pattern, full,
                        (sl->flags & sl::kReturnSingleEntry) != 0, after);
  NtStatus s = AddDots(open, ctx, full, after, &packer);
  if (NtSuccess(s) && !packer.stopped()) {
    uint64_t miniAfter = after > kMiniCookieBias ? after - kMiniCookieBias : 0;
    s = Guarded([&] {
      return open.volume->mini().FindFiles(ctx, open.fcb->node, open.ccb->openContext, miniAfter,
                                           packer);
    });
  }
  cursor.lastCookie = packer.lastCookie();
  if (packer.count() > 0) {
    *info = packer.bytesUsed();
    return NtStatus::Success;  // what was packed stands even if the mini failed later
  }
  if (!NtSuccess(s)) return s;
  if (packer.neededForFirst()) {
    *info = packer.neededForFirst();
    return NtStatus::BufferTooSmall;
  }
  return newScan && !cursor.pattern.empty() ? NtStatus::NoSuchFile : NtStatus::NoMoreFiles;
}

}  // namespace

NtStatus DispatchDirectoryControl(DeviceObject* device, Irp* irp) {
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  uint64_t info = 0;
  if (NtSuccess(s)) {
    if (IoGetCurrentIrpStackLocation(irp)->minorFunction == minor::kQueryDirectory) {
      s = QueryDirectory(open, irp, &info);
    } else {
      s = NtStatus::InvalidDeviceRequest;
    }
  }
  return IoCompleteWith(irp, s, info);
}

}  // namespace irpfs::fsclass
