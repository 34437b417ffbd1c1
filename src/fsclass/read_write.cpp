// IRP_MJ_READ / IRP_MJ_WRITE: the hot path. No allocation and no class driver lock here
// (the mandatory-lock check takes the FCB's lock-list mutex only when locks exist).
#include <cstdint>

#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

namespace {

constexpr uint64_t kMaxOffset = INT64_MAX;

// The IRP's data buffer, checked against the MDL's size for direct I/O.
NtStatus DataBuffer(Irp* irp, uint32_t length, void** buffer) {
  *buffer = IoGetIrpBuffer(irp);
  if (*buffer == nullptr) return NtStatus::InvalidUserBuffer;
  if (irp->bufferMethod == BufferMethod::Direct && irp->mdlAddress->byteCount < length) {
    return NtStatus::InvalidUserBuffer;
  }
  return NtStatus::Success;
}

NtStatus Read(const OpenFile& open, Irp* irp, const ReadWriteParameters& p, uint64_t* info) {
  if (open.fcb->IsDirectory()) return NtStatus::FileIsADirectory;
  if (!(open.fileObject->grantedAccess & access::kReadData)) return NtStatus::AccessDenied;
  if (p.byteOffset > kMaxOffset) return NtStatus::InvalidParameter;
  if (p.length == 0) return NtStatus::Success;
  void* buffer;
  NtStatus s = DataBuffer(irp, p.length, &buffer);
  if (!NtSuccess(s)) return s;
  if (open.volume->options().mandatoryLocks &&
      open.fcb->locks.ConflictsWithIo(open.fileObject, p.byteOffset, p.length, false)) {
    return NtStatus::FileLockConflict;
  }
  uint32_t bytesRead = 0;
  OperationContext ctx = ContextOf(irp);
  s = Guarded([&] {
    return open.volume->mini().Read(ctx, open.fcb->node, open.ccb->openContext, buffer, p.length,
                                    p.byteOffset, &bytesRead);
  });
  if (!NtSuccess(s)) return s;
  if (open.ccb->synchronousIo) open.fileObject->currentByteOffset = p.byteOffset + bytesRead;
  *info = bytesRead;
  return NtStatus::Success;
}

NtStatus Write(const OpenFile& open, Irp* irp, const ReadWriteParameters& p, uint64_t* info) {
  if (open.fcb->IsDirectory()) return NtStatus::FileIsADirectory;
  if (!(open.fileObject->grantedAccess & (access::kWriteData | access::kAppendData))) {
    return NtStatus::AccessDenied;
  }
  if (open.volume->options().readOnly) return NtStatus::MediaWriteProtected;
  bool append = (p.flags & rw_flag::kAppend) || open.ccb->appendOnly;
  if (!append) {
    if (p.byteOffset > kMaxOffset) return NtStatus::InvalidParameter;
    if (p.byteOffset + p.length > kMaxOffset) return NtStatus::FileTooLarge;
  }
  if (p.length == 0) return NtStatus::Success;
  void* buffer;
  NtStatus s = DataBuffer(irp, p.length, &buffer);
  if (!NtSuccess(s)) return s;
  // An append's offset is unknown until it lands; NT checks it against the locks at
  // end of file, which the mini alone knows: appends skip the mandatory check.
  if (!append && open.volume->options().mandatoryLocks &&
      open.fcb->locks.ConflictsWithIo(open.fileObject, p.byteOffset, p.length, true)) {
    return NtStatus::FileLockConflict;
  }
  uint32_t written = 0;
  uint64_t landedAt = p.byteOffset;
  OperationContext ctx = ContextOf(irp);
  if (p.flags & rw_flag::kDropSetId) {
    ctx.setIdOnWrite = SetIdOnWrite::kDrop;
  } else if (p.flags & rw_flag::kKeepSetId) {
    ctx.setIdOnWrite = SetIdOnWrite::kKeep;
  }
  s = Guarded([&] {
    return open.volume->mini().Write(ctx, open.fcb->node, open.ccb->openContext, buffer, p.length,
                                     p.byteOffset, append, &written, &landedAt);
  });
  if (!NtSuccess(s)) return s;
  if (open.ccb->synchronousIo) open.fileObject->currentByteOffset = landedAt + written;
  *info = written;
  return NtStatus::Success;
}

}  // namespace

NtStatus DispatchRead(DeviceObject* device, Irp* irp) {
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  uint64_t info = 0;
  if (NtSuccess(s)) s = Read(open, irp, IoGetCurrentIrpStackLocation(irp)->parameters.read, &info);
  return IoCompleteWith(irp, s, info);
}

NtStatus DispatchWrite(DeviceObject* device, Irp* irp) {
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  uint64_t info = 0;
  if (NtSuccess(s)) {
    s = Write(open, irp, IoGetCurrentIrpStackLocation(irp)->parameters.write, &info);
  }
  return IoCompleteWith(irp, s, info);
}

}  // namespace irpfs::fsclass
