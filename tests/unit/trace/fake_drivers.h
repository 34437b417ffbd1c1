// Drivers for the bottom of a test stack under the trace filter: one that completes every
// IRP at once with a status chosen per major, and one that pends every IRP and lets the
// test complete it from another thread.
#pragma once

#include <array>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string_view>

#include "core/io_manager.h"

namespace irpfs::trace::testing {

// Completes each IRP with results[major] (STATUS_SUCCESS and information 0 by default).
struct ImmediateDevice {
  std::array<IoStatusBlock, kIrpMajorCount> results;
  ImmediateDevice() { results.fill(IoStatusBlock{NtStatus::Success, 0}); }
};
NtStatus ImmediateDriverEntry(DriverObject* driver, std::string_view parameters);

// Marks each IRP pending, queues it and returns STATUS_PENDING.
struct PendingDevice {
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<Irp*> queue;

  // Waits for the next queued IRP.
  Irp* Take();
};
NtStatus PendingDriverEntry(DriverObject* driver, std::string_view parameters);

// An IRP in test-owned storage, addressed to the top of `top`'s stack, with its next
// location filled as a one-major request.
struct TestIrp {
  Irp irp;
  IoStackLocation* location;
  TestIrp(DeviceObject* top, IrpMajor major, uint8_t minor = 0);
};

}  // namespace irpfs::trace::testing
