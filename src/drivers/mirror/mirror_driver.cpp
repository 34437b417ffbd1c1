#include "drivers/mirror/mirror_driver.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include <atomic>
#include <memory>
#include <string>

#include "drivers/mirror/mirror.h"
#include "drivers/mirror/mirror_options.h"

namespace irpfs::mirror {

namespace {

struct MirrorDriverState {
  MirrorOptions defaults;
  std::atomic<uint32_t> nextVolume{0};
};

void RaiseDescriptorLimit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// The kernel grows a process's descriptor table by doubling, and when threads share the
// table each growth waits for an RCU grace period: 10-30 ms on this kind of virtual
// machine, paid by whichever request opened the 256th, 512th, 1024th ... descriptor (a
// tar extraction stalled five times that way). Growing it once, up front, moves the wait
// to the mount; the table never shrinks. Capped so a huge limit costs at most 512 KiB.
void ReserveDescriptorTable() {
  constexpr rlim_t kMostReserved = rlim_t{1} << 16;
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < 2) return;
  const rlim_t highest = std::min(limit.rlim_cur, kMostReserved) - 1;
  const int any = open("/", O_PATH | O_CLOEXEC);
  if (any < 0) return;
  const int probe = fcntl(any, F_DUPFD_CLOEXEC, static_cast<int>(highest));
  if (probe >= 0) close(probe);
  close(any);
}

}  // namespace

NtStatus MirrorDriverEntry(DriverObject* driver, std::string_view params) {
  MirrorOptions defaults;
  if (NtStatus s = ParseMirrorOptions(params, &defaults); !NtSuccess(s)) return s;
  if (NtStatus s = fsclass::FsClassDriverEntry(driver, params); !NtSuccess(s)) return s;
  driver->CreateDriverExtension<MirrorDriverState>().defaults = std::move(defaults);
  return NtStatus::Success;
}

NtStatus MirrorCreateVolume(DriverObject* driver, std::string_view options,
                            const fsclass::VolumeOptions& volumeOptions, DeviceObject** volume) {
  auto* state = driver->DriverExtension<MirrorDriverState>();
  if (state == nullptr) return NtStatus::InvalidParameter;
  MirrorOptions parsed = state->defaults;
  if (NtStatus s = ParseMirrorOptions(options, &parsed); !NtSuccess(s)) return s;
  return MirrorCreateVolume(driver, parsed, volumeOptions, volume);
}

NtStatus MirrorCreateVolume(DriverObject* driver, const MirrorOptions& options,
                            const fsclass::VolumeOptions& volumeOptions, DeviceObject** volume) {
  auto* state = driver->DriverExtension<MirrorDriverState>();
  if (state == nullptr) return NtStatus::InvalidParameter;
  std::shared_ptr<MirrorFs> fs;
  if (NtStatus s = MirrorFs::Open(options, &fs); !NtSuccess(s)) return s;
  RaiseDescriptorLimit();
  ReserveDescriptorTable();
  fsclass::VolumeOptions named = volumeOptions;
  if (named.name.empty()) named.name = "mirror" + std::to_string(state->nextVolume.fetch_add(1));
  return fsclass::FsCreateVolume(driver, fs, named, volume);
}

}  // namespace irpfs::mirror
