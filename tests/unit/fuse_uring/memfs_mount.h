// A memfs volume behind the real dispatcher, mounted through FuseMount (root only).
#pragma once

#include <memory>
#include <string>

#include "core/device.h"
#include "transport/fuse/dispatcher_impl.h"
#include "transport/fuse/fuse_mount.h"

namespace irpfs::fuse::testing {

class MemfsMount {
 public:
  MemfsMount() = default;
  MemfsMount(const MemfsMount&) = delete;
  MemfsMount& operator=(const MemfsMount&) = delete;
  ~MemfsMount();

  // Creates the volume and the dispatcher (no mount yet).
  bool Create(const DispatcherOptions& options, std::string* error);
  // The same with attribute and entry timeouts 0, so every stat is a request.
  bool CreateUncached(std::string* error);
  // Mounts on a fresh directory under /tmp.
  bool Mount(FuseMountOptions options, std::string* error);
  void Unmount();

  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  FuseMount& mount() { return mount_; }
  FuseChannel& channel() { return *mount_.channel(); }
  DispatcherImpl& dispatcher() { return *dispatcher_; }
  // The memfs volume device (filters attach on top of it).
  DeviceObject* volume() const { return volume_; }

 private:
  DriverObject* driver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  std::unique_ptr<DispatcherImpl> dispatcher_;
  FuseMount mount_;
  std::string dir_;
};

// CPUs this process may run on (polling is off with fewer than two).
int UsableCpus();

}  // namespace irpfs::fuse::testing
