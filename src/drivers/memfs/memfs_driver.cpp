#include "drivers/memfs/memfs_driver.h"

#include <atomic>
#include <memory>
#include <string>

#include "drivers/memfs/memfs.h"
#include "drivers/memfs/memfs_options.h"

namespace irpfs::memfs {

namespace {

// Driver-wide state: the options volumes start from, and a counter for their names.
struct MemfsDriverState {
  MemfsOptions defaults;
  std::atomic<uint32_t> nextVolume{0};
};

}  // namespace

NtStatus MemfsDriverEntry(DriverObject* driver, std::string_view params) {
  MemfsOptions defaults;
  if (NtStatus s = ParseMemfsOptions(params, &defaults); !NtSuccess(s)) return s;
  if (NtStatus s = fsclass::FsClassDriverEntry(driver, params); !NtSuccess(s)) return s;
  driver->CreateDriverExtension<MemfsDriverState>().defaults = std::move(defaults);
  return NtStatus::Success;
}

NtStatus MemfsCreateVolume(DriverObject* driver, std::string_view options,
                           const fsclass::VolumeOptions& volumeOptions, DeviceObject** volume) {
  auto* state = driver->DriverExtension<MemfsDriverState>();
  if (!state) return NtStatus::InvalidParameter;
  MemfsOptions parsed = state->defaults;
  if (NtStatus s = ParseMemfsOptions(options, &parsed); !NtSuccess(s)) return s;
  fsclass::VolumeOptions named = volumeOptions;
  if (named.name.empty()) {
    named.name = "memfs" + std::to_string(state->nextVolume.fetch_add(1));
  }
  return fsclass::FsCreateVolume(driver, std::make_shared<MemFs>(parsed), named, volume);
}

}  // namespace irpfs::memfs
