// Helpers that keep a filter driver short: creating its device in AddDevice, and the two
// ways of passing an IRP down (NT's IoSkipCurrentIrpStackLocation + IoCallDriver, and
// IoCopyCurrentIrpStackLocationToNext + IoSetCompletionRoutine + IoCallDriver).
//
// A filter's pre-operation hook is its dispatch routine; its post-operation hook is the
// completion routine it passes down with. A filter always forwards to
// device->lowerDevice as it is at dispatch time, never to a pointer saved at attach:
// VolumeStack may insert another filter below it later (the stack is drained while it
// does, so the field is stable for the life of each IRP).
#pragma once

#include <utility>

#include "core/device.h"
#include "core/io_manager.h"
#include "core/irp.h"
#include "core/status.h"

namespace irpfs {

// Creates an (unattached) filter device of `driver` for the stack `physicalDevice` is in:
// type Filter, named "<driver>:<the stack's bottom device>", with the buffering flags of
// the current top (as NT filters copy DO_BUFFERED_IO / DO_DIRECT_IO), and the altitude of
// the running VolumeStack::Attach, if any.
NtStatus FltCreateDevice(DriverObject* driver, DeviceObject* physicalDevice, DeviceObject** filter);
// Attaches a device made by FltCreateDevice (its extension set up already: IRPs may
// arrive at once) to the top of physicalDevice's stack; deletes it when that fails.
NtStatus FltAttachOrDelete(DeviceObject* filter, DeviceObject* physicalDevice);

// The usual AddDevice body: FltCreateDevice, the extension T built from `args`,
// FltAttachOrDelete.
template <class T, class... Args>
NtStatus FltAddFilterDevice(DriverObject* driver, DeviceObject* physicalDevice,
                            DeviceObject** filter, Args&&... args) {
  DeviceObject* device = nullptr;
  NtStatus status = FltCreateDevice(driver, physicalDevice, &device);
  if (!NtSuccess(status)) return status;
  device->CreateExtension<T>(std::forward<Args>(args)...);
  status = FltAttachOrDelete(device, physicalDevice);
  if (NtSuccess(status) && filter != nullptr) *filter = device;
  return status;
}

// The backing descriptor query (FileBackingDescriptorInformation, core/fs_info.h) lets
// the transport hand an open's host file to the kernel (FUSE passthrough): READ and
// WRITE of that open then never reach the stack. So a filter refuses it unless it says
// it does not need to see the data: FltPassDown and FltCallLower (and so
// FltPassDownWithCompletion) complete it with STATUS_NOT_SUPPORTED on a device without
// do_flag::kBackingPassthrough. A filter that sends IRPs down with IoCallDriver itself
// must make the same check (FltRefusesBackingQuery). Opting in: FltAllowBackingPassthrough
// in AddDevice; a filter that refuses some opens only (readonly: writable ones) checks
// FltIsBackingQuery in its dispatch routine.
bool FltIsBackingQuery(const Irp* irp);
// True when `device` must refuse `irp`: a backing query, and no opt-in.
bool FltRefusesBackingQuery(const DeviceObject* device, const Irp* irp);
inline void FltAllowBackingPassthrough(DeviceObject* device) {
  device->flags |= do_flag::kBackingPassthrough;
}

// Sends the IRP on to the device below with this filter's stack location unchanged and
// no completion routine.
NtStatus FltPassDown(DeviceObject* device, Irp* irp);

// Sends the IRP on with a copy of this filter's location and `routine` as its completion
// routine for success, error and cancel alike. Change the next location
// (IoGetNextIrpStackLocation) after calling FltCopyDown to alter the parameters the
// lower driver sees; FltPassDownWithCompletion copies for you. FltCallLower with a null
// routine sends the copied location down without a completion routine.
void FltCopyDown(Irp* irp);
NtStatus FltCallLower(DeviceObject* device, Irp* irp, CompletionRoutine routine, void* context);
NtStatus FltPassDownWithCompletion(DeviceObject* device, Irp* irp, CompletionRoutine routine,
                                   void* context);

// The end of a completion routine that lets completion continue upward: carries the
// pending mark up (NT's "if (Irp->PendingReturned) IoMarkIrpPending(Irp)") and returns a
// status that is never STATUS_MORE_PROCESSING_REQUIRED (a lower driver may complete with
// that value, which must not make this filter own the IRP).
NtStatus FltContinueCompletion(Irp* irp);

}  // namespace irpfs
