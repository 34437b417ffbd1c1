#include "fake_drivers.h"

namespace irpfs::trace::testing {
namespace {

NtStatus CompleteImmediately(DeviceObject* device, Irp* irp) {
  auto* state = device->Extension<ImmediateDevice>();
  const IoStatusBlock& result =
      state->results[static_cast<size_t>(IoGetCurrentIrpStackLocation(irp)->majorFunction)];
  return IoCompleteWith(irp, result.status, result.information);
}

NtStatus QueuePending(DeviceObject* device, Irp* irp) {
  auto* state = device->Extension<PendingDevice>();
  IoMarkIrpPending(irp);
  {
    std::lock_guard lock(state->mutex);
    state->queue.push_back(irp);
  }
  state->arrived.notify_one();
  return NtStatus::Pending;
}

}  // namespace

NtStatus ImmediateDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(CompleteImmediately);
  return NtStatus::Success;
}

NtStatus PendingDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(QueuePending);
  return NtStatus::Success;
}

Irp* PendingDevice::Take() {
  std::unique_lock lock(mutex);
  arrived.wait(lock, [this] { return !queue.empty(); });
  Irp* irp = queue.front();
  queue.pop_front();
  return irp;
}

TestIrp::TestIrp(DeviceObject* top, IrpMajor major, uint8_t minor) {
  IoInitializeIrp(&irp, top->stackSize);
  location = IoGetNextIrpStackLocation(&irp);
  location->majorFunction = major;
  location->minorFunction = minor;
}

}  // namespace irpfs::trace::testing
