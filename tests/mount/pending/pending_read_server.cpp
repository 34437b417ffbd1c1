// pending_read_server MOUNTPOINT [THREADS [OPTIONS]]: mounts a memfs volume with the hold
// filter (hold_filter.h) on top, in the foreground, through the library API. OPTIONS are
// `irpfs mount -o` options, read by the same parser (tools::ApplyMountOption). Prints
// "mounted" once the mount is live; when someone unmounts it, tears the stack down and
// prints the filter's counts ("hold: pended=N canceled=N released=N") for pending_read.sh.
//
// pending_read.sh passes `sync_read`: the kernel sends FUSE_INTERRUPT only for requests a
// task waits on itself, and with async reads (the default) a page-cache read waits on the
// page lock for a background request instead, which no signal short of SIGKILL interrupts.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/io_manager.h"
#include "core/volume_stack.h"
#include "drivers/memfs/memfs.h"
#include "fsclass/fs_class_driver.h"
#include "hold_filter.h"
#include "tools/mount_plan.h"
#include "transport/fuse/dispatcher_impl.h"
#include "transport/fuse/fuse_mount.h"

namespace irpfs::testing {
namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "pending_read_server: %s\n", what.c_str());
  return 1;
}

// The volume and its stack, torn down in reverse order of building.
class HeldVolume {
 public:
  ~HeldVolume() { TearDown(); }

  int Run(const std::string& mountpoint, unsigned threads, const std::string& mountOptions) {
    // Generic options only (no driver in the plan): what `irpfs mount -o` would set.
    tools::MountPlan plan;
    plan.fuse.channel.threads = threads;
    for (size_t start = 0; start < mountOptions.size();) {
      size_t comma = std::min(mountOptions.find(',', start), mountOptions.size());
      std::string error;
      if (comma > start &&
          !tools::ApplyMountOption(mountOptions.substr(start, comma - start), &plan, &error)) {
        return Fail(error);
      }
      start = comma + 1;
    }

    if (!NtSuccess(IoCreateDriver("memfs", fsclass::FsClassDriverEntry, "", &fsDriver_))) {
      return Fail("cannot create the memfs driver");
    }
    fsclass::VolumeOptions volumeOptions;
    volumeOptions.name = "memfs-pending";
    volumeOptions.mandatoryLocks = false;
    if (!NtSuccess(fsclass::FsCreateVolume(fsDriver_, std::make_shared<memfs::MemFs>(),
                                           volumeOptions, &volume_))) {
      return Fail("cannot create the memfs volume");
    }
    stack_ = std::make_unique<VolumeStack>(volume_);
    if (!NtSuccess(IoCreateDriver("hold", HoldFilterDriverEntry, "", &holdDriver_))) {
      return Fail("cannot create the hold filter driver");
    }
    std::string why;
    if (!NtSuccess(stack_->Attach(holdDriver_, "", altitude::kDefault, &holdDevice_, &why))) {
      return Fail("cannot attach the hold filter: " + why);
    }
    if (!NtSuccess(fuse::DispatcherImpl::Create(stack_.get(), {}, &dispatcher_))) {
      return Fail("cannot open the volume's root");
    }
    fuse::FuseMountOptions options = plan.fuse;
    options.mount.mountpoint = mountpoint;
    options.mount.fsname = "irpfs-pending";
    std::string error;
    if (!NtSuccess(mount_.Mount(options, *dispatcher_, &error))) return Fail(error);
    std::printf("mounted\n");
    std::fflush(stdout);

    mount_.Wait();
    TearDown();
    std::printf("hold: pended=%llu canceled=%llu released=%llu\n",
                static_cast<unsigned long long>(counts_.pended),
                static_cast<unsigned long long>(counts_.canceled),
                static_cast<unsigned long long>(counts_.released));
    return 0;
  }

 private:
  void TearDown() {
    mount_.Unmount();
    if (holdDevice_ != nullptr) {
      // The dispatcher waits for its requests in flight: a READ still held would keep it
      // waiting forever.
      HoldFilterReleaseAll(holdDevice_);
      counts_ = HoldFilterGetCounts(holdDevice_);
      holdDevice_ = nullptr;
    }
    dispatcher_.reset();
    stack_.reset();
    if (holdDriver_ != nullptr) IoUnloadDriver(holdDriver_);
    holdDriver_ = nullptr;
    if (volume_ != nullptr) fsclass::FsDeleteVolume(volume_);
    volume_ = nullptr;
    if (fsDriver_ != nullptr) IoUnloadDriver(fsDriver_);
    fsDriver_ = nullptr;
  }

  DriverObject* fsDriver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  DriverObject* holdDriver_ = nullptr;
  DeviceObject* holdDevice_ = nullptr;
  std::unique_ptr<VolumeStack> stack_;
  std::unique_ptr<fuse::DispatcherImpl> dispatcher_;
  fuse::FuseMount mount_;
  HoldCounts counts_;
};

}  // namespace
}  // namespace irpfs::testing

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::fprintf(stderr, "usage: pending_read_server MOUNTPOINT [THREADS [OPTIONS]]\n");
    return 2;
  }
  unsigned threads = argc >= 3 ? static_cast<unsigned>(std::atoi(argv[2])) : 2;
  std::string options = argc == 4 ? argv[3] : "";
  irpfs::testing::HeldVolume volume;
  return volume.Run(argv[1], threads, options);
}
