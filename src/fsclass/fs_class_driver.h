// The file system class driver: the general half of every irpfs file system.
//
// A file system driver (memfs, mirror, examples/hello) is a pair: this class driver owns
// the IRP handling (FCBs, CCBs, path walking, share access, delete-on-close, directory
// enumeration, byte-range locks, validation) and calls the driver's MiniFileSystem for
// the questions only it can answer. The IRP semantics are written down in README.md next
// to this file; that document is the contract for transports.
//
// Use from a driver:
//   NtStatus MyDriverEntry(DriverObject* driver, std::string_view params) {
//     NtStatus s = FsClassDriverEntry(driver, params);  // fills every MajorFunction entry
//     ...
//   }
//   DeviceObject* volume;
//   FsCreateVolume(driver, std::make_shared<MyFs>(), VolumeOptions{.name = "myfs0"}, &volume);
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/device.h"
#include "core/status.h"
#include "fsclass/mini_fs.h"

namespace irpfs::fsclass {

struct VolumeOptions {
  std::string name;  // device name, e.g. "memfs0"
  // Every open asking for write, append, delete, write-attributes or write-EA access, and
  // every create, fails with STATUS_MEDIA_WRITE_PROTECTED (EROFS).
  bool readOnly = false;
  // NT mandatory byte-range locks: READ/WRITE fail with STATUS_FILE_LOCK_CONFLICT where
  // another open holds a conflicting lock. Off for POSIX (advisory) volumes such as FUSE.
  bool mandatoryLocks = false;
  // NT share modes between opens. Transports that have no share modes (FUSE) pass
  // share::kAll on every create, so leaving this on costs them nothing.
  bool enforceShareAccess = true;
};

// Fills every MajorFunction entry of `driver` with the class driver's dispatch routines.
// Call it first from the driver's own DriverEntry. `parameters` is accepted for the
// DriverEntry signature and not interpreted.
NtStatus FsClassDriverEntry(DriverObject* driver, std::string_view parameters);

// Creates a volume device of `driver` (type DiskFileSystem) serving `mini`, with its
// extension (the FCB table and the root FCB) set up. The driver must have been set up by
// FsClassDriverEntry. The device is deleted with FsDeleteVolume.
NtStatus FsCreateVolume(DriverObject* driver, std::shared_ptr<MiniFileSystem> mini,
                        const VolumeOptions& options, DeviceObject** volume);

// Deletes a volume created by FsCreateVolume. Every file object on it must be closed and
// the device detached from any stack first.
void FsDeleteVolume(DeviceObject* volume);

// The mini file system a volume device serves, or nullptr for a device that is not one.
MiniFileSystem* FsGetMiniFileSystem(DeviceObject* volume);

}  // namespace irpfs::fsclass
