// IRP_MJ_QUERY_INFORMATION. The buffer (IoGetIrpBuffer) holds the class's struct from
// core/fs_info.h; a buffer shorter than that struct is STATUS_INFO_LENGTH_MISMATCH.
// IoStatus.information is the number of bytes filled.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "fsclass/dispatch.h"
#include "fsclass/file_stat.h"

namespace irpfs::fsclass {

namespace {

template <class T>
T* InfoBuffer(Irp* irp, uint32_t length) {
  if (length < sizeof(T)) return nullptr;
  return static_cast<T*>(IoGetIrpBuffer(irp));
}

NtStatus QuerySymlink(const OpenFile& open, const OperationContext& ctx, Irp* irp, uint32_t length,
                      uint64_t* info) {
  auto* out = InfoBuffer<FileSymlinkInfo>(irp, length);
  if (out == nullptr) return NtStatus::InfoLengthMismatch;
  if (open.fcb->type != S_IFLNK) return NtStatus::NotAReparsePoint;
  uint32_t room = length - sizeof(FileSymlinkInfo);
  char* target = reinterpret_cast<char*>(out + 1);
  uint32_t targetLength = 0;
  NtStatus s = Guarded([&] {
    return open.volume->mini().ReadLink(ctx, open.fcb->node, target, room, &targetLength);
  });
  bool tooSmall = s == NtStatus::BufferOverflow || s == NtStatus::BufferTooSmall ||
                  (NtSuccess(s) && targetLength > room);
  if (!NtSuccess(s) && !tooSmall) return s;
  out->targetLength = targetLength;
  *info = sizeof(FileSymlinkInfo) + std::min(targetLength, room);
  return tooSmall ? NtStatus::BufferOverflow : NtStatus::Success;
}

NtStatus QuerySeekData(const OpenFile& open, const OperationContext& ctx, Irp* irp, uint32_t length,
                       uint64_t* info) {
  auto* io = InfoBuffer<FileSeekDataInfo>(irp, length);
  if (io == nullptr) return NtStatus::InfoLengthMismatch;
  constexpr uint32_t kSeekData = 3, kSeekHole = 4;
  if (io->whence != kSeekData && io->whence != kSeekHole) return NtStatus::InvalidParameter;
  uint64_t offset = io->offset;
  NtStatus s = Guarded(
      [&] { return open.volume->mini().SeekData(ctx, open.fcb->node, io->whence, &offset); });
  if (!NtSuccess(s)) return s;
  io->offset = offset;
  *info = sizeof(FileSeekDataInfo);
  return NtStatus::Success;
}

// Only an open that moves data has a descriptor worth handing out: a node FileObject
// (attributes only) or a directory never does. Mandatory byte-range locks are checked on
// READ and WRITE IRPs, which the kernel would no longer send: such volumes refuse.
NtStatus QueryBackingDescriptor(const OpenFile& open, const OperationContext& ctx, Irp* irp,
                                uint32_t length, uint64_t* info) {
  auto* out = InfoBuffer<FileBackingDescriptorInfo>(irp, length);
  if (out == nullptr) return NtStatus::InfoLengthMismatch;
  if (open.fcb->type != S_IFREG) return NtStatus::InvalidDeviceRequest;
  if (!open.fileObject->readAccess && !open.fileObject->writeAccess) {
    return NtStatus::InvalidDeviceRequest;
  }
  if (open.volume->options().mandatoryLocks) return NtStatus::InvalidDeviceRequest;
  int fd = -1;
  NtStatus s = Guarded([&] {
    return open.volume->mini().GetBackingDescriptor(ctx, open.fcb->node, open.ccb->openContext,
                                                    &fd);
  });
  if (!NtSuccess(s)) return s;
  if (fd < 0) return NtStatus::InvalidDeviceRequest;
  *out = FileBackingDescriptorInfo{fd, 0};
  *info = sizeof(FileBackingDescriptorInfo);
  return NtStatus::Success;
}

template <class T>
NtStatus Store(Irp* irp, uint32_t length, const T& value, uint64_t* info) {
  T* out = InfoBuffer<T>(irp, length);
  if (out == nullptr) return NtStatus::InfoLengthMismatch;
  *out = value;
  *info = sizeof(T);
  return NtStatus::Success;
}

NtStatus Query(const OpenFile& open, Irp* irp, const QueryInformationParameters& p,
               uint64_t* info) {
  OperationContext ctx = ContextOf(irp);
  FileStat stat;
  NtStatus s;
  switch (p.fileInformationClass) {
    case FileInformationClass::FileStatInformation:
      if (p.length < sizeof(FileStat)) return NtStatus::InfoLengthMismatch;
      s = StatOf(*open.volume, ctx, open.fcb, &stat);
      return NtSuccess(s) ? Store(irp, p.length, stat, info) : s;
    case FileInformationClass::FileBasicInformation: {
      if (p.length < sizeof(FileBasicInfo)) return NtStatus::InfoLengthMismatch;
      s = StatOf(*open.volume, ctx, open.fcb, &stat);
      if (!NtSuccess(s)) return s;
      FileBasicInfo basic;
      basic.creationTime = stat.btime;
      basic.lastAccessTime = stat.atime;
      basic.lastWriteTime = stat.mtime;
      basic.changeTime = stat.ctime;
      basic.attributes = stat.attributes;
      return Store(irp, p.length, basic, info);
    }
    case FileInformationClass::FileStandardInformation: {
      if (p.length < sizeof(FileStandardInfo)) return NtStatus::InfoLengthMismatch;
      s = StatOf(*open.volume, ctx, open.fcb, &stat);
      if (!NtSuccess(s)) return s;
      FileStandardInfo standard;
      standard.allocationSize = stat.allocationSize;
      standard.endOfFile = stat.size;
      standard.numberOfLinks = stat.nlink;
      standard.deletePending = stat.deletePending;
      standard.directory = open.fcb->IsDirectory();
      return Store(irp, p.length, standard, info);
    }
    case FileInformationClass::FileInternalInformation:
      return Store(irp, p.length, FileInternalInfo{open.fcb->node.fileId}, info);
    case FileInformationClass::FilePositionInformation:
      return Store(irp, p.length, FilePositionInfo{open.fileObject->currentByteOffset}, info);
    case FileInformationClass::FileSymlinkInformation:
      return QuerySymlink(open, ctx, irp, p.length, info);
    case FileInformationClass::FileSeekDataInformation:
      return QuerySeekData(open, ctx, irp, p.length, info);
    case FileInformationClass::FileBackingDescriptorInformation:
      return QueryBackingDescriptor(open, ctx, irp, p.length, info);
    default:
      return NtStatus::InvalidInfoClass;
  }
}

}  // namespace

NtStatus DispatchQueryInformation(DeviceObject* device, Irp* irp) {
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  uint64_t info = 0;
  if (NtSuccess(s)) {
    if (IoGetIrpBuffer(irp) == nullptr) {
      s = NtStatus::InvalidUserBuffer;
    } else {
      s = Query(open, irp, IoGetCurrentIrpStackLocation(irp)->parameters.queryFile, &info);
    }
  }
  return IoCompleteWith(irp, s, info);
}

}  // namespace irpfs::fsclass
