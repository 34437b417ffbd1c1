// COPY_FILE_RANGE and COPY_FILE_RANGE_64: one IRP_MJ_FILE_SYSTEM_CONTROL with
// FSCTL_IRPFS_COPY_RANGE (core/fsctl.h) sent to the destination's FileObject, whose input
// names the source's. The file system copies; no byte crosses /dev/fuse. A file system
// without CopyRange answers STATUS_INVALID_DEVICE_REQUEST, ENOSYS to the kernel, which
// then stops asking (for the whole connection) and copies through READ and WRITE.
#include <algorithm>
#include <utility>

#include "core/fsctl.h"
#include "core/io_manager.h"
#include "transport/fuse/dispatcher_impl.h"
#include "transport/fuse/dispatcher_irps.h"
#include "transport/fuse/dispatcher_operation.h"

namespace irpfs::fuse {

using detail::kStaleHandle;
using detail::Next;
using detail::Operation;
using detail::OpKind;

namespace {

// COPY_FILE_RANGE answers in fuse_write_out's 32-bit size; the kernel never asks for more
// than UINT_MAX rounded down to a page, and neither do we copy more.
constexpr uint64_t kMaxNarrowCopy = 0xFFFFF000u;

}  // namespace

void DispatcherImpl::CopyFileRange(const RequestContext& ctx, const fuse_copy_file_range_in& in,
                                   Reply reply) {
  CopyRange(ctx, in, std::move(reply), /*wide=*/false);
}

void DispatcherImpl::CopyFileRange64(const RequestContext& ctx, const fuse_copy_file_range_in& in,
                                     Reply reply) {
  CopyRange(ctx, in, std::move(reply), /*wide=*/true);
}

void DispatcherImpl::CopyRange(const RequestContext& ctx, const fuse_copy_file_range_in& in,
                               Reply reply, bool wide) {
  Operation* op = Begin(OpKind::kCopyRange, ctx, std::move(reply));
  op->flags = wide ? 1 : 0;
  op->changedNode = in.nodeid_out;
  // fo is the destination (the IRP's file object), fo2 the source the input names; both
  // stay referenced until the IRP is complete, which is what keeps the input valid.
  op->fo = handles_.Reference(FileHandle{in.fh_out});
  if (op->fo == nullptr) return FailEarly(op, kStaleHandle);
  op->fo2 = handles_.Reference(FileHandle{in.fh_in});
  if (op->fo2 == nullptr) return FailEarly(op, kStaleHandle);
  op->copyRange = CopyRangeInput{};
  op->copyRange.sourceFileObject = op->fo2;
  op->copyRange.sourceOffset = in.off_in;
  op->copyRange.targetOffset = in.off_out;
  op->copyRange.length = wide ? in.len : std::min(in.len, kMaxNarrowCopy);
  // copy_file_range(2) defines no flags and the kernel refuses any before sending; pass
  // what came so that the file system refuses it too, rather than dropping it here.
  op->copyRange.flags = static_cast<uint32_t>(in.flags) | (in.flags >> 32 ? 1u : 0u);
  IoStackLocation* location =
      detail::PrepareIrp(*op, op->fo, IrpMajor::FileSystemControl, minor::kUserFsRequest);
  FileSystemControlParameters& control = location->parameters.fileSystemControl;
  control.fsControlCode = fsctl::kIrpfsCopyRange;
  control.inputBufferLength = sizeof(CopyRangeInput);
  control.outputBufferLength = 0;
  control.type3InputBuffer = &op->copyRange;
  op->irp.bufferMethod = BufferMethod::Neither;
  Start(op);
}

Next DispatcherImpl::StepCopyRange(Operation& op) {
  NtStatus status = op.irp.ioStatus.status;
  uint64_t copied = op.irp.ioStatus.information;
  // Interrupted halfway: what was copied is a short count, as for write(2); EINTR only
  // when nothing was.
  bool partial = status == NtStatus::Cancelled && copied > 0;
  if (!NtSuccess(status) && !partial) return Fail(op, status);
  if (copied > op.copyRange.length) copied = op.copyRange.length;
  bool wide = op.flags != 0;
  ReleaseHeld(op);
  if (wide) {
    op.reply.CopyRange64(copied);
  } else {
    op.reply.Write(static_cast<uint32_t>(copied));
  }
  return Next::kDone;
}

}  // namespace irpfs::fuse
