// FSCTL_IRPFS_COPY_RANGE as the FUSE dispatcher sends it: to the destination's file object,
// the input (naming the source's) as METHOD_NEITHER, the bytes copied in `information`.
#pragma once

#include "core/fsctl.h"
#include "core/io_manager.h"

namespace irpfs::test_volume {

inline CopyRangeInput CopyRangeOf(FileObject* src, uint64_t from, uint64_t to, uint64_t length) {
  CopyRangeInput in;
  in.sourceFileObject = src;
  in.sourceOffset = from;
  in.targetOffset = to;
  in.length = length;
  return in;
}

struct CopyRangeSend {
  Requestor requestor;
  bool cancelled = false;  // the IRP goes down already cancelled (an early FUSE_INTERRUPT)
  uint32_t code = fsctl::kIrpfsCopyRange;
  uint32_t inputLength = sizeof(CopyRangeInput);
};

// Sends the copy and waits; *copied (optional) gets the IRP's information.
inline NtStatus SendCopyRange(DeviceObject* volume, FileObject* dst, const CopyRangeInput& in,
                              uint64_t* copied = nullptr, const CopyRangeSend& how = {}) {
  Irp* irp = IoAllocateIrp(volume->stackSize);
  irp->requestor = how.requestor;
  irp->bufferMethod = BufferMethod::Neither;
  if (how.cancelled) irp->cancel.store(true);
  IoStackLocation* sl = IoGetNextIrpStackLocation(irp);
  sl->majorFunction = IrpMajor::FileSystemControl;
  sl->minorFunction = minor::kUserFsRequest;
  sl->fileObject = dst;
  FileSystemControlParameters& control = sl->parameters.fileSystemControl;
  control.fsControlCode = how.code;
  control.inputBufferLength = how.inputLength;
  control.outputBufferLength = 0;
  control.type3InputBuffer = &in;
  NtStatus status = IoCallDriverSynchronous(volume, irp);
  if (copied != nullptr) *copied = irp->ioStatus.information;
  IoFreeIrp(irp);
  return status;
}

}  // namespace irpfs::test_volume
