// !drvobj DRIVER 7: the driver's devices and its MajorFunction table.
#include <cstdio>

#include "control/views.h"
#include "core/irp_codes.h"

namespace irpfs::control {
namespace {

// The longest name, IRP_MJ_QUERY_VOLUME_INFORMATION, plus a gap.
constexpr size_t kMajorNameColumn = 34;

}  // namespace

std::string RenderDrvObj(const DriverView& driver) {
  std::string out = "Driver object " + driver.name + "\n";
  out += "Device objects (" + std::to_string(driver.devices.size()) + "):";
  if (driver.devices.empty()) out += " none";
  out += "\n";
  for (const std::string& device : driver.devices) out += "  " + device + "\n";
  out += "\nDispatch routines:\n";
  for (const DispatchRow& row : driver.dispatch) {
    char index[8];
    std::snprintf(index, sizeof(index), "[%02x] ", row.major);
    std::string name(IrpMajorName(static_cast<IrpMajor>(row.major)));
    if (name.size() < kMajorNameColumn) name.append(kMajorNameColumn - name.size(), ' ');
    std::string handler = !row.handled          ? "IopInvalidDeviceRequest"
                          : row.handler.empty() ? "(unnamed routine)"
                                                : row.handler;
    out += index + name + handler + "\n";
  }
  return out;
}

}  // namespace irpfs::control
