// Driver and device objects.
//
// A DriverObject is one loaded driver: its dispatch table and its devices. A DeviceObject
// is one instance the driver serves (one volume of memfs, one trace filter above it), with
// a typed extension for the driver's per-device state. Devices are chained into stacks by
// IoAttachDeviceToDeviceStack; an IRP enters at the top.
//
// Ownership: the I/O manager owns drivers (IoCreateDriver / IoUnloadDriver) and a driver
// owns its devices (IoCreateDevice / IoDeleteDevice). Raw pointers between them are
// borrowed; a stack must be detached before its devices are deleted.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "core/irp_codes.h"
#include "core/status.h"

namespace irpfs {

class DriverObject;
class DeviceObject;
struct Irp;

using DispatchRoutine = NtStatus (*)(DeviceObject* device, Irp* irp);
using DriverUnloadRoutine = void (*)(DriverObject* driver);
using AddDeviceRoutine = NtStatus (*)(DriverObject* driver, DeviceObject* physicalDevice);
using DriverEntryRoutine = NtStatus (*)(DriverObject* driver, std::string_view parameters);

// The default of every MajorFunction entry: completes with STATUS_INVALID_DEVICE_REQUEST.
NtStatus IopInvalidDeviceRequest(DeviceObject* device, Irp* irp);

enum class DeviceType : uint32_t {
  Unknown = 0x22,
  Disk = 0x07,
  DiskFileSystem = 0x08,
  BusExtender = 0x2a,
  Filter = 0x1000,  // irpfs: a filter device object (NT gives filters their target's type)
};

namespace do_flag {
inline constexpr uint32_t kBufferedIo = 0x4;
inline constexpr uint32_t kDirectIo = 0x10;
inline constexpr uint32_t kDeviceInitializing = 0x80;
// irpfs: a filter that need not see the data of opens lets the backing descriptor query
// (FileBackingDescriptorInformation) pass; without it the filter helpers refuse it
// (core/filter_device.h).
inline constexpr uint32_t kBackingPassthrough = 0x00010000;
}  // namespace do_flag

class DriverObject {
 public:
  explicit DriverObject(std::string name);
  DriverObject(const DriverObject&) = delete;
  DriverObject& operator=(const DriverObject&) = delete;
  ~DriverObject();

  const std::string& name() const { return name_; }

  // Unset entries stay IopInvalidDeviceRequest.
  std::array<DispatchRoutine, kIrpMajorCount> majorFunction;
  DriverUnloadRoutine driverUnload = nullptr;
  AddDeviceRoutine addDevice = nullptr;

  // Driver-wide state, typed like a device extension.
  template <class T, class... Args>
  T& CreateDriverExtension(Args&&... args) {
    auto p = std::make_shared<T>(std::forward<Args>(args)...);
    T& ref = *p;
    extension_ = std::move(p);
    extensionType_ = &typeid(T);
    return ref;
  }
  template <class T>
  T* DriverExtension() const {
    return extensionType_ && *extensionType_ == typeid(T) ? static_cast<T*>(extension_.get())
                                                          : nullptr;
  }

  // Devices this driver created, in creation order (a snapshot; devices may come and go).
  std::vector<DeviceObject*> Devices() const;

 private:
  friend NtStatus IoCreateDevice(DriverObject*, DeviceType, std::string_view, uint32_t,
                                 DeviceObject**);
  friend void IoDeleteDevice(DeviceObject*);

  std::string name_;
  std::shared_ptr<void> extension_;
  const std::type_info* extensionType_ = nullptr;
  mutable std::mutex devicesMutex_;
  std::vector<std::unique_ptr<DeviceObject>> devices_;
};

class DeviceObject {
 public:
  DeviceObject(DriverObject* driver, DeviceType type, std::string name, uint32_t flags);
  DeviceObject(const DeviceObject&) = delete;
  DeviceObject& operator=(const DeviceObject&) = delete;

  DriverObject* driverObject() const { return driver_; }
  DeviceType deviceType() const { return type_; }
  const std::string& name() const { return name_; }

  // The device attached directly above this one (nullptr at the top) and the one this
  // device is attached to (nullptr at the bottom). Both change only under the stack
  // mutex; attachedDevice is atomic so that IoGetAttachedDevice, on every request's
  // path, can walk up without that process-wide lock. Attaching sets the new device's
  // stackSize and lowerDevice before it stores the device here.
  std::atomic<DeviceObject*> attachedDevice{nullptr};
  DeviceObject* lowerDevice = nullptr;
  // Stack locations an IRP needs to reach the bottom from this device (1 for a lone one).
  int8_t stackSize = 1;
  uint32_t flags = 0;  // do_flag:: bits
  // Filter ordering (issue: filters): higher altitudes sit higher in the stack.
  uint32_t altitude = 0;

  template <class T, class... Args>
  T& CreateExtension(Args&&... args) {
    auto p = std::make_shared<T>(std::forward<Args>(args)...);
    T& ref = *p;
    extension_ = std::move(p);
    extensionType_ = &typeid(T);
    return ref;
  }
  // nullptr if the extension is absent or of another type.
  template <class T>
  T* Extension() const {
    return extensionType_ && *extensionType_ == typeid(T) ? static_cast<T*>(extension_.get())
                                                          : nullptr;
  }

 private:
  DriverObject* driver_;
  DeviceType type_;
  std::string name_;
  std::shared_ptr<void> extension_;
  const std::type_info* extensionType_ = nullptr;
};

}  // namespace irpfs
