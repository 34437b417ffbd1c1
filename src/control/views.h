// The data behind the tool's views (devstack, drvobj, devtree, list) and the functions
// that render them as text. Rendering is pure: the same data always gives the same text,
// so golden tests pin the output. device_snapshot.h fills these from live objects;
// views_json.h carries them over the control socket.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control/mount_record.h"

namespace irpfs::control {

// One device object of a volume's stack.
struct DeviceRow {
  std::string driver;  // the DriverObject's name
  std::string device;  // the DeviceObject's name
  std::string type;    // "FILE_DEVICE_DISK_FILE_SYSTEM", "FILTER", ... (DeviceTypeName)
  uint32_t altitude = 0;
  uint32_t flags = 0;  // do_flag:: bits
  int stackSize = 1;
};

// A volume's stack, top (where IRPs enter) first.
struct DeviceStackView {
  std::string mountPoint;  // may be empty (an in-process volume)
  std::vector<DeviceRow> devices;
};

// One MajorFunction entry of a driver.
struct DispatchRow {
  uint8_t major = 0;     // IrpMajor value
  bool handled = false;  // false: the entry is IopInvalidDeviceRequest
  std::string handler;   // the routine's name (or module+offset) when handled
};

// A driver object, like WinDbg's !drvobj <driver> 7.
struct DriverView {
  std::string name;
  std::vector<std::string> devices;   // its device objects, in creation order
  std::vector<DispatchRow> dispatch;  // one row per major, IRP_MJ_CREATE first
};

// One mount in the device tree, with its stack, or the reason the stack is unknown
// (the mount did not answer).
struct VolumeTreeEntry {
  MountRecord mount;
  std::vector<DeviceRow> devices;  // top first
  std::string error;
};

// "DO_BUFFERED_IO | DO_DIRECT_IO" (unknown bits as hex; "0" when none).
std::string DeviceFlagsText(uint32_t flags);

// The views. Every line ends with '\n'.
std::string RenderDevStack(const DeviceStackView& stack);
std::string RenderDrvObj(const DriverView& driver);
std::string RenderDevTree(const std::vector<VolumeTreeEntry>& volumes);
std::string RenderMountList(const std::vector<MountRecord>& mounts);

}  // namespace irpfs::control
