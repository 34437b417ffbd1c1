// memfs as a driver: its DriverEntry and the creation of its volumes.
//
//   DriverObject* driver;
//   IoCreateDriver("memfs", MemfsDriverEntry, "capacity=256M", &driver);  // defaults
//   DeviceObject* volume;
//   MemfsCreateVolume(driver, "inodes=1000", {.name = "memfs0"}, &volume);
//   ...
//   fsclass::FsDeleteVolume(volume);
//   IoUnloadDriver(driver);
#pragma once

#include <string_view>

#include "core/device.h"
#include "core/status.h"
#include "fsclass/fs_class_driver.h"

namespace irpfs::memfs {

// Sets `driver` up as the class driver (every MajorFunction entry) and keeps `params`
// (memfs_options.h syntax) as the defaults of its volumes. Bad params:
// STATUS_INVALID_PARAMETER, and the driver is not created.
NtStatus MemfsDriverEntry(DriverObject* driver, std::string_view params);

// Creates a memfs volume device of a driver set up by MemfsDriverEntry, with `options`
// parsed over the driver's defaults. An empty volumeOptions.name becomes "memfs<N>".
// STATUS_INVALID_PARAMETER for bad options or a driver that is not memfs's.
NtStatus MemfsCreateVolume(DriverObject* driver, std::string_view options,
                           const fsclass::VolumeOptions& volumeOptions, DeviceObject** volume);

}  // namespace irpfs::memfs
