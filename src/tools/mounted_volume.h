// MountedVolume: one `irpfs mount`, built and torn down in order.
//
// Up: the driver and its volume device, the VolumeStack over it with the mount-time
// filters (each at its altitude), the FUSE dispatcher on the stack, then the FUSE mount.
// Down, in reverse: unmount and stop the workers, drop the dispatcher (it closes every
// FileObject it holds), drop the stack (it detaches and deletes its filters), unload the
// filter drivers, delete the volume, unload the file system driver.
//
// Filters may also be attached and detached while the mount is live (the control
// channel's attach / detach); AttachFilter and DetachFilter may be called from any thread
// that holds no reference on the stack.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/status.h"
#include "core/volume_stack.h"
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

  // Attaches filter `name` with `options` at `altitude` (default: altitude::ForDriver).
  // *deviceName receives the new device's name. On failure *error holds one line.
  NtStatus AttachFilter(const std::string& name, const std::string& options,
                        std::optional<uint32_t> altitude, std::string* deviceName,
                        std::string* error);
  // Detaches the topmost filter whose driver or device is `name`.
  NtStatus DetachFilter(const std::string& name, std::string* error);

  // The driver object named `name` (the file system's or a loaded filter's), or nullptr.
  DriverObject* FindDriver(const std::string& name);
  // Driver names of the filters attached now, top to bottom.
  std::vector<std::string> FilterNames() const;

  fuse::FuseMount& fuseMount() { return mount_; }
  // Null before Start and after TearDown.
  const fuse::DispatcherImpl* dispatcher() const { return dispatcher_.get(); }
  VolumeStack* stack() { return stack_.get(); }
  const std::string& driverName() const { return driverName_; }

 private:
  // Loads (or reuses) the driver of filter `info` for an attach with `options`.
  NtStatus LoadFilterDriver(const FilterEntryInfo& info, const std::string& options,
                            DriverObject** driver, std::string* error);
  void UnloadIdleFilterDrivers();

  const DriverEntryInfo* driverInfo_ = nullptr;
  std::string driverName_;
  DriverObject* driver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  std::unique_ptr<VolumeStack> stack_;
  std::unique_ptr<fuse::DispatcherImpl> dispatcher_;
  fuse::FuseMount mount_;

  // Serializes attach and detach with each other (the stack serializes IRPs itself).
  std::mutex filtersMutex_;
  struct LoadedFilter {
    DriverObject* driver = nullptr;
    std::string parameters;  // what DriverEntry was given (optionsAtLoad filters)
  };
  std::map<std::string, LoadedFilter> filterDrivers_;  // by filter name
};

}  // namespace irpfs::tools
