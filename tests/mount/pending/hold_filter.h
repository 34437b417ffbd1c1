// The hold filter: a test filter that pends every READ of a file whose name starts with
// "hold" in a cancel-safe queue and never completes it on its own. Only IoCancelIrp (the
// FUSE dispatcher's answer to FUSE_INTERRUPT) or HoldFilterReleaseAll gets such a READ
// out, completed with STATUS_CANCELLED. Every other IRP passes down untouched.
//
// Usage:
//   IoCreateDriver("hold", HoldFilterDriverEntry, "", &driver);
//   stack.Attach(driver, "", altitude::kDefault, &filter);
//   ... HoldFilterGetCounts(filter) ...
//   HoldFilterReleaseAll(filter);   // before the dispatcher waits for its requests
#pragma once

#include <cstdint>
#include <string_view>

#include "core/device.h"
#include "core/status.h"

namespace irpfs::testing {

struct HoldCounts {
  uint64_t pended = 0;    // READs put in the queue
  uint64_t canceled = 0;  // completed through the queue's cancel path (IoCancelIrp)
  uint64_t released = 0;  // completed by HoldFilterReleaseAll
};

NtStatus HoldFilterDriverEntry(DriverObject* driver, std::string_view parameters);

// Zero counts for a device that is not a hold filter.
HoldCounts HoldFilterGetCounts(const DeviceObject* filter);

// Completes every READ still held with STATUS_CANCELLED and returns how many there were.
uint64_t HoldFilterReleaseAll(DeviceObject* filter);

}  // namespace irpfs::testing
