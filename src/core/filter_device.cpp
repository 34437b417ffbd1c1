#include "core/filter_device.h"

#include <string>

#include "core/volume_stack.h"

namespace irpfs {

NtStatus FltCreateDevice(DriverObject* driver, DeviceObject* physicalDevice,
                         DeviceObject** filter) {
  if (driver == nullptr || physicalDevice == nullptr || filter == nullptr) {
    return NtStatus::InvalidParameter;
  }
  DeviceObject* bottom = physicalDevice;
  while (bottom->lowerDevice != nullptr) bottom = bottom->lowerDevice;
  DeviceObject* top = IoGetAttachedDevice(physicalDevice);
  uint32_t flags = top->flags & (do_flag::kBufferedIo | do_flag::kDirectIo);
  std::string name = driver->name() + ":" + bottom->name();
  NtStatus status = IoCreateDevice(driver, DeviceType::Filter, name, flags, filter);
  if (!NtSuccess(status)) return status;
  if (const AttachContext* context = IoGetAttachContext()) {
    (*filter)->altitude = context->altitude;
  }
  return NtStatus::Success;
}

NtStatus FltAttachOrDelete(DeviceObject* filter, DeviceObject* physicalDevice) {
  if (IoAttachDeviceToDeviceStack(filter, physicalDevice) != nullptr) return NtStatus::Success;
  IoDeleteDevice(filter);
  return NtStatus::InsufficientResources;
}

bool FltIsBackingQuery(const Irp* irp) {
  const IoStackLocation* location = IoGetCurrentIrpStackLocation(const_cast<Irp*>(irp));
  return location->majorFunction == IrpMajor::QueryInformation &&
         location->parameters.queryFile.fileInformationClass ==
             FileInformationClass::FileBackingDescriptorInformation;
}

bool FltRefusesBackingQuery(const DeviceObject* device, const Irp* irp) {
  return !(device->flags & do_flag::kBackingPassthrough) && FltIsBackingQuery(irp);
}

NtStatus FltPassDown(DeviceObject* device, Irp* irp) {
  if (FltRefusesBackingQuery(device, irp)) return IoCompleteWith(irp, NtStatus::NotSupported);
  DeviceObject* lower = device->lowerDevice;
  if (lower == nullptr) return IoCompleteWith(irp, NtStatus::InvalidDeviceState);
  IoSkipCurrentIrpStackLocation(irp);
  return IoCallDriver(lower, irp);
}

void FltCopyDown(Irp* irp) {
  IoCopyCurrentIrpStackLocationToNext(irp);
}

NtStatus FltCallLower(DeviceObject* device, Irp* irp, CompletionRoutine routine, void* context) {
  if (FltRefusesBackingQuery(device, irp)) return IoCompleteWith(irp, NtStatus::NotSupported);
  DeviceObject* lower = device->lowerDevice;
  if (lower == nullptr) return IoCompleteWith(irp, NtStatus::InvalidDeviceState);
  if (routine != nullptr) IoSetCompletionRoutine(irp, routine, context, true, true, true);
  return IoCallDriver(lower, irp);
}

NtStatus FltPassDownWithCompletion(DeviceObject* device, Irp* irp, CompletionRoutine routine,
                                   void* context) {
  IoCopyCurrentIrpStackLocationToNext(irp);
  return FltCallLower(device, irp, routine, context);
}

NtStatus FltContinueCompletion(Irp* irp) {
  if (irp->pendingReturned) IoMarkIrpPending(irp);
  NtStatus status = irp->ioStatus.status;
  return status == NtStatus::MoreProcessingRequired ? NtStatus::Success : status;
}

}  // namespace irpfs
