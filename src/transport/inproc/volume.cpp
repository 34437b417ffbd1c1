#include "transport/inproc/volume.h"

#include "core/io_manager.h"

namespace irpfs::inproc {

NtStatus Volume::Mount(Options options, std::unique_ptr<Volume>* volume) {
  if (volume == nullptr || !options.createVolume) return NtStatus::InvalidParameter;
  std::unique_ptr<Volume> made(new Volume);
  DriverObject* driver = nullptr;
  NtStatus status =
      made->LoadDriver(options.driverName, options.driverEntry, options.driverParameters, &driver);
  if (!NtSuccess(status)) return status;
  made->driver_ = driver;
  DeviceObject* device = nullptr;
  status = options.createVolume(driver, &device);
  if (!NtSuccess(status)) return status;  // the destructor unloads the driver
  made->device_ = device;
  made->deleteVolume_ = std::move(options.deleteVolume);
  *volume = std::move(made);
  return NtStatus::Success;
}

Volume::~Volume() {
  for (auto it = filters_.rbegin(); it != filters_.rend(); ++it) {
    DeviceObject* filter = *it;
    if (filter->lowerDevice != nullptr) IoDetachDevice(filter->lowerDevice);
    IoDeleteDevice(filter);
  }
  if (device_ != nullptr) {
    if (deleteVolume_) {
      deleteVolume_(device_);
    } else {
      IoDeleteDevice(device_);
    }
  }
  for (auto it = drivers_.rbegin(); it != drivers_.rend(); ++it) IoUnloadDriver(*it);
}

DeviceObject* Volume::top() const {
  return IoGetAttachedDevice(device_);
}

NtStatus Volume::LoadDriver(std::string_view name, DriverEntryRoutine entry,
                            std::string_view parameters, DriverObject** driver) {
  if (driver == nullptr) return NtStatus::InvalidParameter;
  NtStatus status = IoCreateDriver(name, entry, parameters, driver);
  if (NtSuccess(status)) drivers_.push_back(*driver);
  return status;
}

NtStatus Volume::AttachFilter(DriverObject* filterDriver, std::string_view name,
                              DeviceObject** filter) {
  if (filterDriver == nullptr || filter == nullptr || device_ == nullptr) {
    return NtStatus::InvalidParameter;
  }
  DeviceObject* below = top();
  DeviceObject* created = nullptr;
  NtStatus status =
      IoCreateDevice(filterDriver, DeviceType::Filter, name,
                     below->flags & (do_flag::kBufferedIo | do_flag::kDirectIo), &created);
  if (!NtSuccess(status)) return status;
  if (IoAttachDeviceToDeviceStack(created, device_) == nullptr) {
    IoDeleteDevice(created);
    return NtStatus::InsufficientResources;  // the stack is as deep as an IRP can go
  }
  filters_.push_back(created);
  *filter = created;
  return NtStatus::Success;
}

}  // namespace irpfs::inproc
