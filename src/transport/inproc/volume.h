// A volume for tests and embedding: a loaded file system driver, its volume device, and
// any filter devices attached above it, torn down in order.
//
// The volume's own device is made by a callback, so this layer needs to know nothing of
// any file system: for a class-driver file system it wraps fsclass::FsCreateVolume and
// FsDeleteVolume. Filters are drivers loaded here too; each filter device is attached to
// the top of the stack (IoAttachDeviceToDeviceStack) and inherits the buffering method of
// the device below, as NT filters copy DO_BUFFERED_IO / DO_DIRECT_IO.
//
// Teardown (the destructor): filters are detached top-down and deleted, the volume device
// is deleted through its callback, and the drivers are unloaded in reverse load order.
// Every Client on the volume must be gone first (its handles send CLEANUP / CLOSE down
// the stack).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.h"
#include "core/status.h"

namespace irpfs::inproc {

class Volume {
 public:
  using CreateVolumeFn = std::function<NtStatus(DriverObject* driver, DeviceObject** volume)>;
  using DeleteVolumeFn = std::function<void(DeviceObject* volume)>;

  struct Options {
    std::string driverName;  // e.g. "memfs"
    DriverEntryRoutine driverEntry = nullptr;
    std::string driverParameters;
    CreateVolumeFn createVolume;
    DeleteVolumeFn deleteVolume;  // optional: IoDeleteDevice when absent
  };

  // Loads the driver and makes the volume device. On failure nothing is left behind.
  static NtStatus Mount(Options options, std::unique_ptr<Volume>* volume);

  Volume(const Volume&) = delete;
  Volume& operator=(const Volume&) = delete;
  ~Volume();

  DriverObject* driver() const { return driver_; }
  // The file system's volume device: the bottom of the stack, what a Client binds to.
  DeviceObject* device() const { return device_; }
  // Where IRPs enter.
  DeviceObject* top() const;

  // Loads a driver that lives until the volume goes (for filters).
  NtStatus LoadDriver(std::string_view name, DriverEntryRoutine entry, std::string_view parameters,
                      DriverObject** driver);
  // Creates a filter device of `filterDriver` and attaches it on top of the stack.
  NtStatus AttachFilter(DriverObject* filterDriver, std::string_view name, DeviceObject** filter);

 private:
  Volume() = default;

  std::vector<DriverObject*> drivers_;  // load order; drivers_[0] is the file system
  DriverObject* driver_ = nullptr;
  DeviceObject* device_ = nullptr;
  DeleteVolumeFn deleteVolume_;
  std::vector<DeviceObject*> filters_;  // bottom-up
};

}  // namespace irpfs::inproc
