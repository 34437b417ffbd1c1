#include "drivers/filters/stats/stats_filter.h"

#include <time.h>

#include "core/filter_device.h"
#include "core/io_manager.h"
#include "core/volume_stack.h"

namespace irpfs::stats {
namespace {

struct StatsDevice {
  std::shared_ptr<StatsCounters> counters = std::make_shared<StatsCounters>();
};

uint64_t MonotonicNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return uint64_t(now.tv_sec) * 1'000'000'000 + uint64_t(now.tv_nsec);
}

// The start time travels in the completion context, so nothing is kept per IRP.
NtStatus StatsCompletion(DeviceObject* device, Irp* irp, void* context) {
  uint64_t start = reinterpret_cast<uintptr_t>(context);
  uint64_t now = MonotonicNs();
  const IoStackLocation* location = IoGetCurrentIrpStackLocation(irp);
  IrpMajor major = location->majorFunction;
  NtStatus status = irp->ioStatus.status;
  uint64_t bytes = 0;
  if ((major == IrpMajor::Read || major == IrpMajor::Write) && NtSuccess(status)) {
    bytes = irp->ioStatus.information;
  }
  if (StatsDevice* state = device->Extension<StatsDevice>()) {
    state->counters->Record(major, status, bytes, now > start ? now - start : 0);
  }
  return FltContinueCompletion(irp);
}

NtStatus StatsDispatch(DeviceObject* device, Irp* irp) {
  void* start = reinterpret_cast<void*>(static_cast<uintptr_t>(MonotonicNs()));
  return FltPassDownWithCompletion(device, irp, StatsCompletion, start);
}

NtStatus StatsAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  if (const AttachContext* context = IoGetAttachContext(); context && !context->options.empty()) {
    if (context->error != nullptr) *context->error = "stats: takes no options";
    return NtStatus::InvalidParameter;
  }
  return FltAddFilterDevice<StatsDevice>(driver, physicalDevice, nullptr);
}

}  // namespace

NtStatus StatsDriverEntry(DriverObject* driver, std::string_view parameters) {
  if (!parameters.empty()) return NtStatus::InvalidParameter;
  driver->majorFunction.fill(StatsDispatch);
  driver->addDevice = StatsAddDevice;
  return NtStatus::Success;
}

std::shared_ptr<StatsCounters> StatsGetCounters(const DeviceObject* filter) {
  if (filter == nullptr) return nullptr;
  StatsDevice* state = filter->Extension<StatsDevice>();
  return state != nullptr ? state->counters : nullptr;
}

std::shared_ptr<StatsCounters> StatsFindCounters(DeviceObject* device) {
  for (DeviceObject* d = IoGetAttachedDevice(device); d != nullptr; d = d->lowerDevice) {
    if (std::shared_ptr<StatsCounters> counters = StatsGetCounters(d)) return counters;
  }
  return nullptr;
}

}  // namespace irpfs::stats
