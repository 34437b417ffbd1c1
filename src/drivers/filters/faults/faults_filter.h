// The faults filter: error injection for testing how programs survive a failing disk.
// Per IRP it asks its FaultsConfig (faults_config.h; syntax in faults_options.h) and:
//   - fails the IRP early with the rule's status (nothing reaches the file system), or
//   - pends it for the rule's delay in a cancel-safe queue (delay_queue.h) and resumes
//     it from the device's timer thread; IoCancelIrp completes a waiting IRP with
//     STATUS_CANCELLED at once, or
//   - sends READ and WRITE down with half their length (short transfers), or
//   - charges WRITEs to the ENOSPC budget: a write that crosses it is cut to what is
//     left, later writes fail with STATUS_DISK_FULL, and bytes a write did not move are
//     given back when it completes. Data written before stays as it was.
// IRPs no rule hits pass down untouched, without a completion routine.
//
// Usage:
//   IoCreateDriver("faults", FaultsDriverEntry, "", &driver);   // parameters: defaults
//   stack.Attach(driver, "op=write,status=EIO,count=3", altitude::kFaults, &filter);
//   FaultsGetConfig(filter)->Set("latency=read:50ms");           // at run time
//
// Threads: a delayed IRP continues (down the stack, or to its completion) on the
// device's timer thread. Deleting the device stops that thread and completes any IRP
// still waiting with STATUS_CANCELLED (VolumeStack::Detach drains them first anyway).
#pragma once

#include <memory>
#include <string_view>

#include "core/device.h"
#include "core/status.h"
#include "drivers/filters/faults/faults_config.h"

namespace irpfs::faults {

// `parameters` (faults_options.h) are the initial settings of every device; attach-time
// options, when not empty, replace them for that device. Bad parameters:
// STATUS_INVALID_PARAMETER (the reason on stderr).
NtStatus FaultsDriverEntry(DriverObject* driver, std::string_view parameters);

// The config of a faults device (nullptr for any other device).
std::shared_ptr<FaultsConfig> FaultsGetConfig(const DeviceObject* filter);
// The config of the topmost faults device in the stack `device` is in, or nullptr. The
// stack must not change meanwhile (hold a RundownReference).
std::shared_ptr<FaultsConfig> FaultsFindConfig(DeviceObject* device);

}  // namespace irpfs::faults
