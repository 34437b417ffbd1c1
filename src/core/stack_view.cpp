#include "core/stack_view.h"

#include <cstdio>

namespace irpfs {

std::vector<DispatchEntry> DescribeDispatchTable(const DriverObject* driver) {
  std::vector<DispatchEntry> entries;
  entries.reserve(kIrpMajorCount);
  for (int i = 0; i < kIrpMajorCount; ++i) {
    auto major = static_cast<IrpMajor>(i);
    entries.push_back(
        {major, IrpMajorName(major), driver->majorFunction[i] != &IopInvalidDeviceRequest});
  }
  return entries;
}

std::string FormatDispatchTable(const DriverObject* driver) {
  std::string out = "Driver " + driver->name() + "\nDispatch routines:\n";
  char line[128];
  for (const DispatchEntry& entry : DescribeDispatchTable(driver)) {
    std::snprintf(line, sizeof line, "[%02x] %-36.*s %s\n", static_cast<unsigned>(entry.major),
                  static_cast<int>(entry.name.size()), entry.name.data(),
                  entry.handled ? "handled" : "IopInvalidDeviceRequest");
    out += line;
  }
  return out;
}

std::string FormatDeviceFlags(uint32_t flags) {
  std::string out;
  auto add = [&out](const char* name) {
    if (!out.empty()) out += '|';
    out += name;
  };
  if (flags & do_flag::kBufferedIo) add("BUFFERED_IO");
  if (flags & do_flag::kDirectIo) add("DIRECT_IO");
  if (flags & do_flag::kDeviceInitializing) add("DEVICE_INITIALIZING");
  return out.empty() ? "0" : out;
}

std::string FormatDeviceStack(const std::vector<StackEntry>& entries) {
  std::string out = "  Altitude  Driver            Device                    StackSize  Flags\n";
  char line[256];
  bool top = true;
  for (const StackEntry& entry : entries) {
    std::snprintf(line, sizeof line, "%s%8u  %-16s  %-24s  %9d  %s\n", top ? "> " : "  ",
                  entry.altitude, entry.driverName.c_str(), entry.deviceName.c_str(),
                  entry.stackSize, FormatDeviceFlags(entry.flags).c_str());
    out += line;
    top = false;
  }
  return out;
}

}  // namespace irpfs
