// IRP_MJ_FILE_SYSTEM_CONTROL: the irpfs FSCTLs a mini can serve. Today one,
// FSCTL_IRPFS_COPY_RANGE (core/fsctl.h), which is copy_file_range(2) done by the file
// system: the IRP goes to the destination's file object, the input names the source's.
// Every other code and minor (mount, verify, ...) is STATUS_INVALID_DEVICE_REQUEST.
#include <sys/stat.h>

#include <cstdint>

#include "core/fsctl.h"
#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

namespace {

constexpr uint64_t kMaxOffset = INT64_MAX;

// The open the input names, resolved the way ResolveOpen resolves the IRP's own.
NtStatus ResolveSource(const OpenFile& target, FileObject* reference, OpenFile* out) {
  NtStatus s = IoCheckFileObjectReference(reference, target.fileObject);
  if (!NtSuccess(s)) return s;
  if (reference->fsContext == nullptr || reference->fsContext2 == nullptr) {
    return NtStatus::InvalidHandle;
  }
  // The same stack could still hold another volume's open in theory (a filter that
  // redirects creates); the FCB must be one of this volume's.
  if (VolumeOfStack(reference->deviceObject) != target.volume) return NtStatus::NotSameDevice;
  out->volume = target.volume;
  out->fileObject = reference;
  out->fcb = static_cast<Fcb*>(reference->fsContext);
  out->ccb = static_cast<Ccb*>(reference->fsContext2);
  if (out->ccb->cleanedUp.load(std::memory_order_acquire)) return NtStatus::FileClosed;
  return NtStatus::Success;
}

NtStatus CheckRegular(const Fcb* fcb) {
  if (fcb->IsDirectory()) return NtStatus::FileIsADirectory;
  if (fcb->type != S_IFREG) return NtStatus::InvalidParameter;
  return NtStatus::Success;
}

NtStatus CopyRange(const OpenFile& dst, Irp* irp, const CopyRangeInput& in, uint64_t* copied) {
  OpenFile src;
  NtStatus s = ResolveSource(dst, in.sourceFileObject, &src);
  if (!NtSuccess(s)) return s;
  if (in.flags != 0) return NtStatus::InvalidParameter;
  if (s = CheckRegular(src.fcb); !NtSuccess(s)) return s;
  if (s = CheckRegular(dst.fcb); !NtSuccess(s)) return s;
  // The source is read and the destination written at an offset, so an append-only
  // destination may not take it (copy_file_range(2) refuses O_APPEND with EBADF).
  if (!(src.fileObject->grantedAccess & access::kReadData)) return NtStatus::AccessDenied;
  if (!(dst.fileObject->grantedAccess & access::kWriteData) || dst.ccb->appendOnly) {
    return NtStatus::AccessDenied;
  }
  if (dst.volume->options().readOnly) return NtStatus::MediaWriteProtected;
  if (in.sourceOffset > kMaxOffset || in.targetOffset > kMaxOffset) {
    return NtStatus::InvalidParameter;
  }
  if (in.length > kMaxOffset - in.sourceOffset) return NtStatus::InvalidParameter;
  if (in.length > kMaxOffset - in.targetOffset) return NtStatus::FileTooLarge;
  // One file, overlapping ranges: which bytes the copy reads would depend on the order
  // it goes in. copy_file_range(2) refuses it (EINVAL) and so does this.
  if (src.fcb == dst.fcb && in.sourceOffset < in.targetOffset + in.length &&
      in.targetOffset < in.sourceOffset + in.length) {
    return NtStatus::InvalidParameter;
  }
  if (in.length == 0) return NtStatus::Success;
  // Interrupted before anything was copied: nothing to report but the interruption.
  if (irp->cancel.load(std::memory_order_relaxed)) return NtStatus::Cancelled;
  if (dst.volume->options().mandatoryLocks) {
    // The same rules as a READ of the source and a WRITE of the destination.
    if (src.fcb->locks.ConflictsWithIo(src.fileObject, in.sourceOffset, in.length, false) ||
        dst.fcb->locks.ConflictsWithIo(dst.fileObject, in.targetOffset, in.length, true)) {
      return NtStatus::FileLockConflict;
    }
  }
  OperationContext ctx = ContextOf(irp);
  s = Guarded([&] {
    return dst.volume->mini().CopyRange(ctx, src.fcb->node, src.ccb->openContext, in.sourceOffset,
                                        dst.fcb->node, dst.ccb->openContext, in.targetOffset,
                                        in.length, copied);
  });
  // A cancelled copy reports the bytes it did copy; any other failure copied nothing.
  if (!NtSuccess(s) && s != NtStatus::Cancelled) *copied = 0;
  // A mini that claims more than was asked is wrong; never pass that on.
  if (*copied > in.length) {
    *copied = 0;
    return NtStatus::InternalError;
  }
  return s;
}

}  // namespace

NtStatus DispatchFileSystemControl(DeviceObject* device, Irp* irp) {
  // What this driver does not serve is refused before anything else, with or without a
  // file object (a volume FSCTL such as IRP_MN_MOUNT_VOLUME comes without one).
  IoStackLocation* location = IoGetCurrentIrpStackLocation(irp);
  const FileSystemControlParameters& p = location->parameters.fileSystemControl;
  if (location->minorFunction != minor::kUserFsRequest ||
      p.fsControlCode != fsctl::kIrpfsCopyRange) {
    return IoCompleteWith(irp, NtStatus::InvalidDeviceRequest);
  }
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  if (!NtSuccess(s)) return IoCompleteWith(irp, s);
  const void* input = p.type3InputBuffer ? p.type3InputBuffer : irp->systemBuffer;
  if (input == nullptr || p.inputBufferLength < sizeof(CopyRangeInput)) {
    return IoCompleteWith(irp, NtStatus::InvalidParameter);
  }
  uint64_t copied = 0;
  s = CopyRange(open, irp, *static_cast<const CopyRangeInput*>(input), &copied);
  return IoCompleteWith(irp, s, copied);
}

}  // namespace irpfs::fsclass
