// Views of drivers and stacks for the tools: a driver's dispatch table, as WinDbg's
// !drvobj lists it, and a volume's device stack, as !devstack does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/device.h"
#include "core/irp_codes.h"
#include "core/volume_stack.h"

namespace irpfs {

struct DispatchEntry {
  IrpMajor major;
  std::string_view name;  // "IRP_MJ_CREATE"
  bool handled = false;   // false: the entry is IopInvalidDeviceRequest
};

// Every major, in order.
std::vector<DispatchEntry> DescribeDispatchTable(const DriverObject* driver);

// One line per major: "[00] IRP_MJ_CREATE                     handled" or
// "... IopInvalidDeviceRequest".
std::string FormatDispatchTable(const DriverObject* driver);
// One line per device, top first: "  altitude  driver  device  flags", with a "> " mark on
// the top (where IRPs enter).
std::string FormatDeviceStack(const std::vector<StackEntry>& entries);
// "BUFFERED_IO|DIRECT_IO|..." or "0".
std::string FormatDeviceFlags(uint32_t flags);

}  // namespace irpfs
