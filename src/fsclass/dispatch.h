// The class driver's dispatch routines (one file per IRP major, as WinFsp's kernel side)
// and the helpers they share.
#pragma once

#include <string_view>

#include "core/device.h"
#include "core/file_object.h"
#include "core/io_manager.h"
#include "core/irp.h"
#include "fsclass/ccb.h"
#include "fsclass/fcb.h"
#include "fsclass/mini_call.h"
#include "fsclass/share_access.h"
#include "fsclass/volume_context.h"

namespace irpfs::fsclass {

NtStatus DispatchCreate(DeviceObject* device, Irp* irp);
NtStatus DispatchQueryOpen(DeviceObject* device, Irp* irp);
NtStatus DispatchCleanup(DeviceObject* device, Irp* irp);
NtStatus DispatchClose(DeviceObject* device, Irp* irp);
NtStatus DispatchRead(DeviceObject* device, Irp* irp);
NtStatus DispatchWrite(DeviceObject* device, Irp* irp);
NtStatus DispatchQueryInformation(DeviceObject* device, Irp* irp);
NtStatus DispatchSetInformation(DeviceObject* device, Irp* irp);
NtStatus DispatchDirectoryControl(DeviceObject* device, Irp* irp);
NtStatus DispatchQueryVolumeInformation(DeviceObject* device, Irp* irp);
NtStatus DispatchQueryEa(DeviceObject* device, Irp* irp);
NtStatus DispatchSetEa(DeviceObject* device, Irp* irp);
NtStatus DispatchFlushBuffers(DeviceObject* device, Irp* irp);
NtStatus DispatchLockControl(DeviceObject* device, Irp* irp);
NtStatus DispatchDeviceControl(DeviceObject* device, Irp* irp);
NtStatus DispatchFileSystemControl(DeviceObject* device, Irp* irp);

// The open an IRP is about: its file object, FCB and CCB.
struct OpenFile {
  VolumeContext* volume = nullptr;
  FileObject* fileObject = nullptr;
  Fcb* fcb = nullptr;
  Ccb* ccb = nullptr;
};

// STATUS_INVALID_DEVICE_REQUEST when the device is not a volume, STATUS_INVALID_HANDLE
// when the IRP names no opened file object, STATUS_FILE_CLOSED after its CLEANUP.
NtStatus ResolveOpen(DeviceObject* device, Irp* irp, OpenFile* out);

// Ends one open's claim on its FCB (share access, open count) at CLEANUP, or when a create
// fails after counting it (ccb null). An open with delete-on-close makes its name the FCB's
// delete name; when this was the last open and a delete is pending, the name is removed.
void EndOpen(VolumeContext& volume, const OperationContext& ctx, Fcb* fcb,
             const ShareRequest& share, Ccb* ccb);

// Sets the FCB's pending delete to `name` in `parent` (referenced here). Caller holds
// fcb->mutex.
void MarkDeletePendingLocked(VolumeContext& volume, Fcb* fcb, Fcb* parent, std::string_view name);

// Removes `name` from `parent` if it still names `fcb`'s node.
NtStatus RemoveNameOf(VolumeContext& volume, const OperationContext& ctx, Fcb* fcb, Fcb* parent,
                      std::string_view name);

}  // namespace irpfs::fsclass
