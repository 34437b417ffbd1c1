#include "tools/mounted_volume.h"

#include "core/io_manager.h"

namespace irpfs::tools {

NtStatus MountedVolume::Start(const MountPlan& plan, std::string* error) {
  driverInfo_ = plan.driver;
  driverName_ = std::string(plan.driver->name);
  NtStatus status = plan.driver->build(plan.driverRequest, &driver_, &volume_, error);
  if (!NtSuccess(status)) return status;
  stack_ = std::make_unique<VolumeStack>(volume_);

  for (const FilterRequest& request : plan.filters) {
    std::string device;
    status = AttachFilter(std::string(request.filter->name), request.options, std::nullopt, &device,
                          error);
    if (!NtSuccess(status)) {
      TearDown();
      return status;
    }
  }

  status = fuse::DispatcherImpl::Create(stack_.get(), plan.dispatcher, &dispatcher_);
  if (!NtSuccess(status)) {
    *error = "cannot open the volume's root: " + std::string(StatusName(status));
    TearDown();
    return status;
  }
  status = mount_.Mount(plan.fuse, *dispatcher_, error);
  if (!NtSuccess(status)) {
    TearDown();
    return status;
  }
  return NtStatus::Success;
}

void MountedVolume::TearDown() {
  mount_.Unmount();
  dispatcher_.reset();
  stack_.reset();
  {
    std::lock_guard lock(filtersMutex_);
    for (auto& [name, loaded] : filterDrivers_) IoUnloadDriver(loaded.driver);
    filterDrivers_.clear();
  }
  if (driverInfo_ != nullptr && (driver_ != nullptr || volume_ != nullptr)) {
    driverInfo_->destroy(driver_, volume_);
  }
  driver_ = nullptr;
  volume_ = nullptr;
}

NtStatus MountedVolume::LoadFilterDriver(const FilterEntryInfo& info, const std::string& options,
                                         DriverObject** driver, std::string* error) {
  auto found = filterDrivers_.find(std::string(info.name));
  if (found != filterDrivers_.end()) {
    if (!info.optionsAtLoad || found->second.parameters == options) {
      *driver = found->second.driver;
      return NtStatus::Success;
    }
    if (!found->second.driver->Devices().empty()) {
      *error = "filter " + std::string(info.name) +
               " is attached already with other options; detach it first";
      return NtStatus::ObjectNameCollision;
    }
    IoUnloadDriver(found->second.driver);
    filterDrivers_.erase(found);
  }
  std::string parameters = info.optionsAtLoad ? options : std::string();
  NtStatus status = IoCreateDriver(info.name, info.driverEntry, parameters, driver);
  if (!NtSuccess(status)) {
    *error =
        "cannot load filter " + std::string(info.name) + ": " + std::string(StatusName(status));
    return status;
  }
  filterDrivers_[std::string(info.name)] = LoadedFilter{*driver, parameters};
  return NtStatus::Success;
}

NtStatus MountedVolume::AttachFilter(const std::string& name, const std::string& options,
                                     std::optional<uint32_t> altitude, std::string* deviceName,
                                     std::string* error) {
  const FilterEntryInfo* info = FindFilter(name);
  if (info == nullptr) {
    *error = "unknown filter '" + name + "'";
    return NtStatus::ObjectNameNotFound;
  }
  if (!info->check(options, error)) return NtStatus::InvalidParameter;
  if (stack_ == nullptr) {
    *error = "the volume is not mounted";
    return NtStatus::InvalidDeviceState;
  }
  std::lock_guard lock(filtersMutex_);
  DriverObject* driver = nullptr;
  NtStatus status = LoadFilterDriver(*info, options, &driver, error);
  if (!NtSuccess(status)) return status;
  DeviceObject* device = nullptr;
  std::string why;
  status = stack_->Attach(driver, info->optionsAtLoad ? std::string_view() : options,
                          altitude.value_or(altitude::ForDriver(name)), &device, &why);
  if (!NtSuccess(status)) {
    *error = "cannot attach " + name + ": " + (why.empty() ? std::string(StatusName(status)) : why);
    return status;
  }
  if (deviceName != nullptr) *deviceName = device->name();
  return NtStatus::Success;
}

NtStatus MountedVolume::DetachFilter(const std::string& name, std::string* error) {
  if (stack_ == nullptr) {
    *error = "the volume is not mounted";
    return NtStatus::InvalidDeviceState;
  }
  std::lock_guard lock(filtersMutex_);
  NtStatus status = stack_->Detach(name);
  if (status == NtStatus::ObjectNameNotFound) {
    *error = "no filter named '" + name + "' is attached";
  } else if (!NtSuccess(status)) {
    *error = "cannot detach " + name + ": " + std::string(StatusName(status));
  }
  return status;
}

DriverObject* MountedVolume::FindDriver(const std::string& name) {
  if (driver_ != nullptr && driver_->name() == name) return driver_;
  std::lock_guard lock(filtersMutex_);
  auto found = filterDrivers_.find(name);
  return found == filterDrivers_.end() ? nullptr : found->second.driver;
}

std::vector<std::string> MountedVolume::FilterNames() const {
  std::vector<std::string> names;
  if (stack_ == nullptr) return names;
  for (const StackEntry& entry : stack_->Describe()) {
    if (entry.filter) names.push_back(entry.driverName);
  }
  return names;
}

}  // namespace irpfs::tools
