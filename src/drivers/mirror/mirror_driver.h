// mirror as a driver: its DriverEntry and the creation of its volumes.
//
//   DriverObject* driver;
//   IoCreateDriver("mirror", MirrorDriverEntry, "", &driver);
//   DeviceObject* volume;
//   MirrorCreateVolume(driver, "source=/srv/data", {.name = "mirror0"}, &volume);
//   ...
//   fsclass::FsDeleteVolume(volume);
//   IoUnloadDriver(driver);
#pragma once

#include <string_view>

#include "core/device.h"
#include "core/status.h"
#include "drivers/mirror/mirror_options.h"
#include "fsclass/fs_class_driver.h"

namespace irpfs::mirror {

// Sets `driver` up as the class driver (every MajorFunction entry) and keeps `params`
// (mirror_options.h syntax) as the defaults of its volumes.
NtStatus MirrorDriverEntry(DriverObject* driver, std::string_view params);

// Creates a mirror volume device of a driver set up by MirrorDriverEntry, serving the
// source named in `options` (over the driver's defaults). An empty volumeOptions.name
// becomes "mirror<N>". Each node the kernel or a client holds keeps one host descriptor
// open, so this raises the process's soft RLIMIT_NOFILE to its hard limit.
// STATUS_INVALID_PARAMETER for bad options; the source's own failure otherwise
// (STATUS_OBJECT_PATH_NOT_FOUND, STATUS_NOT_A_DIRECTORY, ...).
NtStatus MirrorCreateVolume(DriverObject* driver, std::string_view options,
                            const fsclass::VolumeOptions& volumeOptions, DeviceObject** volume);
// The same with parsed options (a source path may contain ',' or '=').
NtStatus MirrorCreateVolume(DriverObject* driver, const MirrorOptions& options,
                            const fsclass::VolumeOptions& volumeOptions, DeviceObject** volume);

}  // namespace irpfs::mirror
