// MountedVolume: one `irpfs mount`, built and torn down in order.
//
// Up: the driver and its volume device, the filters above it (bottom-up), the FUSE
// dispatcher on the stack's top, then the FUSE mount. Down, in reverse: unmount and stop
// the workers, drop the dispatcher (it closes every FileObject it holds), detach the
// filters top-down, delete the volume, unload the drivers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/status.h"
#include "tools/mount_plan.h"
#include "transport/fuse/dispatcher_impl.h"
#include "transport/fuse/fuse_mount.h"

namespace irpfs::tools {

class MountedVolume {
 public:
  MountedVolume() = default;
  MountedVolume(const MountedVolume&) = delete;
  MountedVolume& operator=(const MountedVolume&) = delete;
  ~MountedVolume() { TearDown(); }

  // Builds the stack and mounts it; returns once the mount is live. On failure
  // everything built so far is torn down and *error holds one line.
  NtStatus Start(const MountPlan& plan, std::string* error);
  void TearDown();

  fuse::FuseMount& fuseMount() { return mount_; }

 private:
  struct AttachedFilter {
    const FilterEntryInfo* info = nullptr;
    DriverObject* driver = nullptr;
    DeviceObject* device = nullptr;
  };

  const DriverEntryInfo* driverInfo_ = nullptr;
  DriverObject* driver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  std::vector<AttachedFilter> filters_;
  std::unique_ptr<fuse::DispatcherImpl> dispatcher_;
  fuse::FuseMount mount_;
};

}  // namespace irpfs::tools
