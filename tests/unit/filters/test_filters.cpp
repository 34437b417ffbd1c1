#include <cctype>

#include "stack_env.h"

namespace irpfs::testing {
namespace {

struct ProbeDevice {};
struct UpperDevice {};

NtStatus ProbeDispatch(DeviceObject* device, Irp* irp) {
  if (IoGetCurrentIrpStackLocation(irp)->majorFunction == IrpMajor::Read) {
    Probes().Add(device->altitude);
  }
  return FltPassDown(device, irp);
}

NtStatus ProbeAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  return FltAddFilterDevice<ProbeDevice>(driver, physicalDevice, nullptr);
}

NtStatus UpperCompletion(DeviceObject*, Irp* irp, void*) {
  if (NtSuccess(irp->ioStatus.status)) {
    auto* data = static_cast<unsigned char*>(IoGetIrpBuffer(irp));
    for (uint64_t i = 0; data != nullptr && i < irp->ioStatus.information; ++i) {
      data[i] = static_cast<unsigned char>(std::toupper(data[i]));
    }
  }
  return FltContinueCompletion(irp);
}

NtStatus UpperDispatch(DeviceObject* device, Irp* irp) {
  if (IoGetCurrentIrpStackLocation(irp)->majorFunction != IrpMajor::Read) {
    return FltPassDown(device, irp);
  }
  return FltPassDownWithCompletion(device, irp, UpperCompletion, nullptr);
}

NtStatus UpperAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  return FltAddFilterDevice<UpperDevice>(driver, physicalDevice, nullptr);
}

}  // namespace

ProbeLog& Probes() {
  static ProbeLog log;
  return log;
}

NtStatus ProbeDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(ProbeDispatch);
  driver->addDevice = ProbeAddDevice;
  return NtStatus::Success;
}

NtStatus UpperDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(UpperDispatch);
  driver->addDevice = UpperAddDevice;
  return NtStatus::Success;
}

}  // namespace irpfs::testing
