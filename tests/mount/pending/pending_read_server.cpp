// pending_read_server MOUNTPOINT [THREADS]: mounts a memfs volume with the hold filter
// (hold_filter.h) on top, in the foreground, through the library API. Prints "mounted"
// once the mount is live; when someone unmounts it, tears the stack down and prints the
// filter's counts ("hold: pended=N canceled=N released=N") for pending_read.sh to check.
//
// The channel runs without FUSE_ASYNC_READ (and so without async direct I/O): the kernel
// sends FUSE_INTERRUPT only for requests a task waits on synchronously, and with async
// reads a page-cache read waits on the page lock for a background request instead, which
// no signal short of SIGKILL interrupts.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/io_manager.h"
#include "core/volume_stack.h"
#include "drivers/memfs/memfs.h"
#include "fsclass/fs_class_driver.h"
#include "hold_filter.h"
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

  int Run(const std::string& mountpoint, unsigned threads) {
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
    fuse::FuseMountOptions options;
    options.mount.mountpoint = mountpoint;
    options.mount.fsname = "irpfs-pending";
    options.channel.threads = threads;
    options.channel.asyncRead = false;
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
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: pending_read_server MOUNTPOINT [THREADS]\n");
    return 2;
  }
  unsigned threads = argc == 3 ? static_cast<unsigned>(std::atoi(argv[2])) : 2;
  irpfs::testing::HeldVolume volume;
  return volume.Run(argv[1], threads);
}
