// IRP_MJ_DEVICE_CONTROL: handed to the mini's DeviceControl. Works with or without a file
// object (without one the node is the root and there is no open context). Input is
// type3InputBuffer when set (METHOD_NEITHER, in-process callers), else the system buffer;
// output is the IRP's buffer in its method. information = bytes returned.
#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

NtStatus DispatchDeviceControl(DeviceObject* device, Irp* irp) {
  VolumeContext* volume = VolumeOf(device);
  if (volume == nullptr) return IoCompleteWith(irp, NtStatus::InvalidDeviceRequest);
  NodeRef node = volume->root()->node;
  void* openContext = nullptr;
  if (IoGetCurrentIrpStackLocation(irp)->fileObject != nullptr) {
    OpenFile open;
    NtStatus s = ResolveOpen(device, irp, &open);
    if (!NtSuccess(s)) return IoCompleteWith(irp, s);
    node = open.fcb->node;
    openContext = open.ccb->openContext;
  }
  const DeviceIoControlParameters& p =
      IoGetCurrentIrpStackLocation(irp)->parameters.deviceIoControl;
  const void* input = p.type3InputBuffer ? p.type3InputBuffer : irp->systemBuffer;
  void* output = IoGetIrpBuffer(irp);
  uint32_t returned = 0;
  OperationContext ctx = ContextOf(irp);
  NtStatus s = Guarded([&] {
    return volume->mini().DeviceControl(ctx, node, openContext, p.ioControlCode, input,
                                        p.inputBufferLength, output, p.outputBufferLength,
                                        &returned);
  });
  return IoCompleteWith(irp, s, returned);
}

}  // namespace irpfs::fsclass
