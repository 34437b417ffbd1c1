// Driver and device objects, and their creation and deletion.
#include "core/device.h"

#include <algorithm>

#include "core/io_manager.h"
#include "core/stack_lock.h"

namespace irpfs {

NtStatus IopInvalidDeviceRequest(DeviceObject* device, Irp* irp) {
  return IoCompleteWith(irp, NtStatus::InvalidDeviceRequest);
}

DriverObject::DriverObject(std::string name) : name_(std::move(name)) {
  majorFunction.fill(IopInvalidDeviceRequest);
}

DriverObject::~DriverObject() = default;

std::vector<DeviceObject*> DriverObject::Devices() const {
  std::lock_guard lock(devicesMutex_);
  std::vector<DeviceObject*> out;
  out.reserve(devices_.size());
  for (const auto& device : devices_) out.push_back(device.get());
  return out;
}

DeviceObject::DeviceObject(DriverObject* driver, DeviceType type, std::string name, uint32_t flags)
    : flags(flags), driver_(driver), type_(type), name_(std::move(name)) {}

NtStatus IoCreateDevice(DriverObject* driver, DeviceType type, std::string_view name,
                        uint32_t flags, DeviceObject** device) {
  if (driver == nullptr || device == nullptr) return NtStatus::InvalidParameter;
  auto created = std::make_unique<DeviceObject>(driver, type, std::string(name), flags);
  *device = created.get();
  std::lock_guard lock(driver->devicesMutex_);
  driver->devices_.push_back(std::move(created));
  return NtStatus::Success;
}

void IoDeleteDevice(DeviceObject* device) {
  if (device == nullptr) return;
  {
    // The contract says a device is detached before deletion. A driver that forgets
    // would leave its neighbours pointing at freed memory, so splice it out instead.
    std::lock_guard stackLock(IopStackMutex());
    DeviceObject* lower = device->lowerDevice;
    DeviceObject* upper = device->attachedDevice;
    if (lower != nullptr) lower->attachedDevice = upper;
    if (upper != nullptr) upper->lowerDevice = lower;
    device->lowerDevice = nullptr;
    device->attachedDevice = nullptr;
  }
  DriverObject* driver = device->driverObject();
  std::unique_ptr<DeviceObject> owned;
  {
    std::lock_guard lock(driver->devicesMutex_);
    auto& devices = driver->devices_;
    auto it = std::find_if(devices.begin(), devices.end(),
                           [device](const auto& d) { return d.get() == device; });
    if (it == devices.end()) return;
    owned = std::move(*it);
    devices.erase(it);
  }
  // `owned` is destroyed here, outside the driver's lock: the extension's destructor may
  // call back into the I/O manager.
}

}  // namespace irpfs
