#include "control/device_snapshot.h"

#include <cxxabi.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/irp_codes.h"

namespace irpfs::control {
namespace {

std::string Hex(uintptr_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof(buffer), "0x%lx", static_cast<unsigned long>(value));
  return buffer;
}

std::string Demangle(const char* symbol) {
  int status = 0;
  char* plain = abi::__cxa_demangle(symbol, nullptr, nullptr, &status);
  if (status != 0 || plain == nullptr) return symbol;
  std::string name = plain;
  std::free(plain);
  // "irpfs::memfs::DispatchRead(irpfs::DeviceObject*, irpfs::Irp*)": the parameters
  // are the same for every routine, so they are left out.
  if (size_t paren = name.find('('); paren != std::string::npos) name.resize(paren);
  return name;
}

std::string BaseName(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

}  // namespace

std::string DeviceTypeName(DeviceType type) {
  switch (type) {
    case DeviceType::Unknown:
      return "FILE_DEVICE_UNKNOWN";
    case DeviceType::Disk:
      return "FILE_DEVICE_DISK";
    case DeviceType::DiskFileSystem:
      return "FILE_DEVICE_DISK_FILE_SYSTEM";
    case DeviceType::BusExtender:
      return "FILE_DEVICE_BUS_EXTENDER";
    case DeviceType::Filter:
      return "FILE_DEVICE_FILTER";
  }
  return Hex(static_cast<uint32_t>(type));
}

DeviceRow DeviceRowOf(const DeviceObject& device) {
  DeviceRow row;
  row.driver = device.driverObject() != nullptr ? device.driverObject()->name() : "";
  row.device = device.name();
  row.type = DeviceTypeName(device.deviceType());
  row.altitude = device.altitude;
  row.flags = device.flags;
  row.stackSize = device.stackSize;
  return row;
}

std::vector<DeviceRow> DeviceRowsOf(const std::vector<StackEntry>& entries) {
  std::vector<DeviceRow> rows;
  rows.reserve(entries.size());
  for (const StackEntry& entry : entries) {
    rows.push_back(DeviceRow{entry.driverName, entry.deviceName, DeviceTypeName(entry.type),
                             entry.altitude, entry.flags, entry.stackSize});
  }
  return rows;
}

std::vector<DeviceRow> SnapshotDeviceStack(const DeviceObject* device) {
  std::vector<DeviceRow> rows;
  if (device == nullptr) return rows;
  const DeviceObject* top = device;
  while (top->attachedDevice != nullptr) top = top->attachedDevice;
  for (const DeviceObject* d = top; d != nullptr; d = d->lowerDevice) {
    rows.push_back(DeviceRowOf(*d));
  }
  return rows;
}

std::string DispatchRoutineName(DispatchRoutine routine) {
  if (routine == nullptr) return "(null)";
  void* address = reinterpret_cast<void*>(routine);
  Dl_info info{};
  if (dladdr(address, &info) == 0) return Hex(reinterpret_cast<uintptr_t>(address));
  if (info.dli_sname != nullptr && info.dli_saddr == address) return Demangle(info.dli_sname);
  std::string module = info.dli_fname != nullptr ? BaseName(info.dli_fname) : "?";
  return module + "+" +
         Hex(reinterpret_cast<uintptr_t>(address) - reinterpret_cast<uintptr_t>(info.dli_fbase));
}

DriverView SnapshotDriver(const DriverObject& driver) {
  DriverView view;
  view.name = driver.name();
  for (const DeviceObject* device : driver.Devices()) view.devices.push_back(device->name());
  for (int major = 0; major < kIrpMajorCount; ++major) {
    DispatchRoutine routine = driver.majorFunction[major];
    DispatchRow row;
    row.major = static_cast<uint8_t>(major);
    row.handled = routine != nullptr && routine != &IopInvalidDeviceRequest;
    if (row.handled) row.handler = DispatchRoutineName(routine);
    view.dispatch.push_back(std::move(row));
  }
  return view;
}

}  // namespace irpfs::control
