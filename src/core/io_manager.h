// The I/O manager: creating drivers and devices, building stacks, and moving IRPs through
// them (IoCallDriver down, IoCompleteRequest up), with NT's rules.
//
// Threads: any thread may call IoCallDriver. IoCompleteRequest runs the completion
// routines on the thread that calls it, which for a pended IRP is whichever thread the
// driver completes it from; the originator's completion runs last, on that same thread.
// An IRP is completed exactly once; a second IoCompleteRequest aborts the process.
#pragma once

#include <string_view>

#include "core/device.h"
#include "core/file_object.h"
#include "core/irp.h"

namespace irpfs {

// ---- Drivers and devices.

// Creates a driver object, runs its DriverEntry with `parameters`, and returns it in
// *driver. When DriverEntry fails nothing is kept and its status is returned.
NtStatus IoCreateDriver(std::string_view name, DriverEntryRoutine entry,
                        std::string_view parameters, DriverObject** driver);
// Runs the driver's Unload routine, deletes any devices left, frees the driver.
void IoUnloadDriver(DriverObject* driver);

NtStatus IoCreateDevice(DriverObject* driver, DeviceType type, std::string_view name,
                        uint32_t flags, DeviceObject** device);
// The device must be detached from any stack first.
void IoDeleteDevice(DeviceObject* device);

// Attaches `source` above the current top of `target`'s stack. Returns the device it was
// attached to (the old top), which the source forwards IRPs to.
DeviceObject* IoAttachDeviceToDeviceStack(DeviceObject* source, DeviceObject* target);
// Detaches whatever is attached directly above `lowerDevice`.
void IoDetachDevice(DeviceObject* lowerDevice);
// The top of the stack `device` is in.
DeviceObject* IoGetAttachedDevice(DeviceObject* device);

// ---- IRPs.

// Heap-allocated IRP with `stackSize` locations (at most kMaxStackSize); free with
// IoFreeIrp after its originator completion has run.
Irp* IoAllocateIrp(int stackSize);
void IoFreeIrp(Irp* irp);
// Readies an IRP in storage the caller owns (no allocation); also used to reuse one.
void IoInitializeIrp(Irp* irp, int stackSize);

inline IoStackLocation* IoGetCurrentIrpStackLocation(Irp* irp) {
  return &irp->stack[irp->currentLocation];
}
// The location the next lower driver will see; a driver fills it before IoCallDriver.
inline IoStackLocation* IoGetNextIrpStackLocation(Irp* irp) {
  return &irp->stack[irp->currentLocation - 1];
}
// The next driver sees this driver's location unchanged, and this driver gets no
// completion routine call.
inline void IoSkipCurrentIrpStackLocation(Irp* irp) {
  ++irp->currentLocation;
}
// Copies the current location to the next, without the completion routine.
void IoCopyCurrentIrpStackLocationToNext(Irp* irp);
// Sets the completion routine in the next location (run when the lower driver completes).
void IoSetCompletionRoutine(Irp* irp, CompletionRoutine routine, void* context,
                            bool invokeOnSuccess, bool invokeOnError, bool invokeOnCancel);
// The driver will return STATUS_PENDING and complete the IRP later.
inline void IoMarkIrpPending(Irp* irp) {
  IoGetCurrentIrpStackLocation(irp)->control |= sl_control::kPendingReturned;
}

// The originator sets this before the first IoCallDriver.
inline void IoSetOriginatorCompletion(Irp* irp, OriginatorCompletion routine, void* context) {
  irp->originatorCompletion = routine;
  irp->originatorContext = context;
}

// Sends the IRP to `device`: moves to the next lower stack location, records the device
// in it and calls the device's driver's dispatch routine for the location's major.
NtStatus IoCallDriver(DeviceObject* device, Irp* irp);
// Completes the IRP with the status in irp->ioStatus: runs completion routines bottom-up;
// one that returns STATUS_MORE_PROCESSING_REQUIRED stops the walk (it owns the IRP again
// and completes it later).
void IoCompleteRequest(Irp* irp);
// Sets ioStatus and completes; returns the status, for "return IoCompleteWith(...)".
NtStatus IoCompleteWith(Irp* irp, NtStatus status, uint64_t information = 0);

// Cancellation. IoSetCancelRoutine swaps atomically and returns the previous routine.
CancelRoutine IoSetCancelRoutine(Irp* irp, CancelRoutine routine);
// Marks the IRP canceled and runs its cancel routine, if one is set (once). Returns true
// when a cancel routine ran.
bool IoCancelIrp(Irp* irp);

// For originators that want the result now: sets an originator completion that wakes
// this thread, sends the (initialized, filled) IRP to `device` and waits until it is
// complete, also when a driver pended it. Returns irp->ioStatus.status.
NtStatus IoCallDriverSynchronous(DeviceObject* device, Irp* irp);

}  // namespace irpfs
