// The stats filter: counts every IRP that passes through it, per major function, with its
// errors, the bytes READ and WRITE moved, and a log2 latency histogram (stats_counters.h).
// Latency is measured from this filter's dispatch to its completion routine, so it
// includes whatever the filters below add (faults' delays) and nothing above.
//
// Usage: IoCreateDriver("stats", StatsDriverEntry, "", &driver);
//        stack.Attach(driver, "", altitude::kStats, &filter);
//        StatsGetCounters(filter)->Snapshot()  or  StatsFindCounters(stack.base())
// It takes no options.
#pragma once

#include <memory>
#include <string_view>

#include "core/device.h"
#include "core/status.h"
#include "drivers/filters/stats/stats_counters.h"

namespace irpfs::stats {

NtStatus StatsDriverEntry(DriverObject* driver, std::string_view parameters);

// The counters of a stats device (nullptr for any other device). Shared, so a reader may
// keep them after the filter is detached.
std::shared_ptr<StatsCounters> StatsGetCounters(const DeviceObject* filter);
// The counters of the topmost stats device in the stack `device` belongs to, or nullptr.
// The stack must not change meanwhile (hold a RundownReference).
std::shared_ptr<StatsCounters> StatsFindCounters(DeviceObject* device);

}  // namespace irpfs::stats
