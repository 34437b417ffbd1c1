// IRP_MJ_FLUSH_BUFFERS: fsync (minor 0) or fdatasync (minor::kFlushDataOnly). A mini with
// nothing to flush (no Flush callback) succeeds.
#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

NtStatus DispatchFlushBuffers(DeviceObject* device, Irp* irp) {
  OpenFile open;
  NtStatus s = ResolveOpen(device, irp, &open);
  if (!NtSuccess(s)) return IoCompleteWith(irp, s);
  bool dataOnly = IoGetCurrentIrpStackLocation(irp)->minorFunction == minor::kFlushDataOnly;
  OperationContext ctx = ContextOf(irp);
  s = Guarded([&] {
    return open.volume->mini().Flush(ctx, open.fcb->node, open.ccb->openContext, dataOnly);
  });
  if (s == NtStatus::InvalidDeviceRequest) s = NtStatus::Success;
  return IoCompleteWith(irp, s);
}

}  // namespace irpfs::fsclass
