// !devstack: the device objects of one volume, top first, the entry point marked "> ".
#include <cstdio>

#include "control/text_table.h"
#include "control/views.h"

namespace irpfs::control {
namespace {

struct FlagName {
  uint32_t bit;
  const char* name;
};
// core/device.h do_flag::, with NT's names.
constexpr FlagName kDeviceFlags[] = {
    {0x4, "DO_BUFFERED_IO"},
    {0x10, "DO_DIRECT_IO"},
    {0x80, "DO_DEVICE_INITIALIZING"},
    {0x10000, "DO_BACKING_PASSTHROUGH"},  // irpfs: lets FUSE passthrough through
};

}  // namespace

std::string DeviceFlagsText(uint32_t flags) {
  if (flags == 0) return "0";
  std::string text;
  uint32_t rest = flags;
  for (const FlagName& flag : kDeviceFlags) {
    if ((flags & flag.bit) == 0) continue;
    if (!text.empty()) text += " | ";
    text += flag.name;
    rest &= ~flag.bit;
  }
  if (rest != 0) {
    char hex[16];
    std::snprintf(hex, sizeof(hex), "0x%x", rest);
    if (!text.empty()) text += " | ";
    text += hex;
  }
  return text;
}

std::string RenderDevStack(const DeviceStackView& stack) {
  std::string title =
      stack.mountPoint.empty() ? "Device stack" : "Device stack of " + stack.mountPoint;
  if (stack.devices.empty()) return title + ": no device objects\n";
  std::string out = title + " (" + std::to_string(stack.devices.size()) +
                    (stack.devices.size() == 1 ? " device" : " devices") +
                    ", top first; IRPs enter at >)\n";
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> prefixes;
  rows.push_back({"Driver", "Device", "Type", "Altitude", "Stack", "Flags"});
  prefixes.push_back("  ");
  for (const DeviceRow& row : stack.devices) {
    rows.push_back({row.driver, row.device, row.type, std::to_string(row.altitude),
                    std::to_string(row.stackSize), DeviceFlagsText(row.flags)});
    prefixes.push_back(rows.size() == 2 ? "> " : "  ");
  }
  return out + FormatTable(rows, prefixes);
}

}  // namespace irpfs::control
