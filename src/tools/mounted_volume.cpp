#include "tools/mounted_volume.h"

#include "core/io_manager.h"

namespace irpfs::tools {

NtStatus MountedVolume::Start(const MountPlan& plan, std::string* error) {
  driverInfo_ = plan.driver;
  NtStatus status = plan.driver->build(plan.driverRequest, &driver_, &volume_, error);
  if (!NtSuccess(status)) return status;

  for (const FilterRequest& request : plan.filters) {
    AttachedFilter attached{request.filter};
    status =
        request.filter->attach(request.options, volume_, &attached.driver, &attached.device, error);
    if (!NtSuccess(status)) {
      TearDown();
      return status;
    }
    filters_.push_back(attached);
  }

  status =
      fuse::DispatcherImpl::Create(IoGetAttachedDevice(volume_), plan.dispatcher, &dispatcher_);
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
  for (auto it = filters_.rbegin(); it != filters_.rend(); ++it) {
    it->info->detach(it->driver, it->device);
  }
  filters_.clear();
  if (driverInfo_ != nullptr && (driver_ != nullptr || volume_ != nullptr)) {
    driverInfo_->destroy(driver_, volume_);
  }
  driver_ = nullptr;
  volume_ = nullptr;
}

}  // namespace irpfs::tools
