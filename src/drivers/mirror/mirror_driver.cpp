#include "drivers/mirror/mirror_driver.h"

#include <sys/resource.h>

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
  fsclass::VolumeOptions named = volumeOptions;
  if (named.name.empty()) named.name = "mirror" + std::to_string(state->nextVolume.fetch_add(1));
  return fsclass::FsCreateVolume(driver, fs, named, volume);
}

}  // namespace irpfs::mirror
