// Filling the views of views.h from live core objects, on the mount's side of the
// control socket.
#pragma once

#include <string>
#include <vector>

#include "control/views.h"
#include "core/device.h"
#include "core/volume_stack.h"

namespace irpfs::control {

// "FILE_DEVICE_DISK_FILE_SYSTEM", "FILE_DEVICE_FILTER" (irpfs's own type), ...; unknown
// values as hex.
std::string DeviceTypeName(DeviceType type);

DeviceRow DeviceRowOf(const DeviceObject& device);
// VolumeStack::Describe() rows (top first) as view rows.
std::vector<DeviceRow> DeviceRowsOf(const std::vector<StackEntry>& entries);
// The stack `device` is in, top first, walking attachedDevice/lowerDevice. For a stack
// without a VolumeStack; the stack must not change shape meanwhile.
std::vector<DeviceRow> SnapshotDeviceStack(const DeviceObject* device);

// The driver's devices and dispatch table. Handler names come from the dynamic symbol
// table (demangled) when the routine is exported there (link with -rdynamic, CMake's
// ENABLE_EXPORTS), else "<module>+0x<offset>".
DriverView SnapshotDriver(const DriverObject& driver);
std::string DispatchRoutineName(DispatchRoutine routine);

}  // namespace irpfs::control
