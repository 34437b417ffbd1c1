#include "memfs_mount.h"

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/io_manager.h"
#include "drivers/memfs/memfs.h"
#include "fsclass/fs_class_driver.h"

namespace irpfs::fuse::testing {
namespace {

NtStatus MemfsEntry(DriverObject* driver, std::string_view parameters) {
  return fsclass::FsClassDriverEntry(driver, parameters);
}

}  // namespace

MemfsMount::~MemfsMount() {
  Unmount();
}

bool MemfsMount::Create(const DispatcherOptions& options, std::string* error) {
  if (IoCreateDriver("memfs", &MemfsEntry, "", &driver_) != NtStatus::Success) {
    *error = "IoCreateDriver failed";
    return false;
  }
  fsclass::VolumeOptions volumeOptions;
  volumeOptions.name = "memfs-uring";
  if (fsclass::FsCreateVolume(driver_, std::make_shared<memfs::MemFs>(), volumeOptions, &volume_) !=
      NtStatus::Success) {
    *error = "FsCreateVolume failed";
    return false;
  }
  if (DispatcherImpl::Create(volume_, options, &dispatcher_) != NtStatus::Success) {
    *error = "DispatcherImpl::Create failed";
    return false;
  }
  return true;
}

bool MemfsMount::CreateUncached(std::string* error) {
  DispatcherOptions options;
  options.attrTimeout = 0;
  options.entryTimeout = 0;
  return Create(options, error);
}

bool MemfsMount::Mount(FuseMountOptions options, std::string* error) {
  char pattern[] = "/tmp/irpfs-uring-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    *error = "mkdtemp failed";
    return false;
  }
  dir_ = pattern;
  options.mount.mountpoint = dir_;
  options.mount.fsname = "irpfs-uring";
  return mount_.Mount(options, *dispatcher_, error) == NtStatus::Success;
}

void MemfsMount::Unmount() {
  mount_.Unmount();
  dispatcher_.reset();
  if (volume_ != nullptr) fsclass::FsDeleteVolume(volume_);
  volume_ = nullptr;
  if (driver_ != nullptr) IoUnloadDriver(driver_);
  driver_ = nullptr;
  if (!dir_.empty()) rmdir(dir_.c_str());
  dir_.clear();
}

int UsableCpus() {
  cpu_set_t allowed;
  return sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : 0;
}

}  // namespace irpfs::fuse::testing
