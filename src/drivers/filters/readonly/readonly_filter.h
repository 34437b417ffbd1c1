// The readonly filter: makes the volume below it read-only by completing every IRP that
// would change it, early, with STATUS_MEDIA_WRITE_PROTECTED (EROFS), as a write-protected
// disk does. Nothing else is touched.
//
// What is refused:
//   IRP_MJ_CREATE asking for write data, append, delete, delete-child, write attributes,
//     write EA, write DAC or write owner access, or delete-on-close; and the creating
//     dispositions Supersede, Create, Overwrite and OverwriteIf.
//   IRP_MJ_CREATE with OpenIf is let down as Open (opening an existing file read-only is
//     harmless); when the file does not exist, the lower driver's "not found" comes back
//     up as STATUS_MEDIA_WRITE_PROTECTED, as Linux answers open(O_CREAT) on a read-only
//     mount. A dangling OpenIf that fails for another reason keeps that reason.
//   IRP_MJ_WRITE, IRP_MJ_SET_INFORMATION (rename, link, delete, size, times, mode),
//     IRP_MJ_SET_EA, IRP_MJ_SET_VOLUME_INFORMATION, IRP_MJ_SET_SECURITY, IRP_MJ_SET_QUOTA,
//     and IRP_MJ_FILE_SYSTEM_CONTROL with FSCTL_IRPFS_COPY_RANGE (copy_file_range).
// What passes: everything else, FLUSH_BUFFERS included (nothing to flush is harmless),
//   and CLEANUP/CLOSE (an open that got through has no write access to act on).
//   DEVICE_CONTROL and the other FILE_SYSTEM_CONTROL codes pass: the filter cannot know
//   what a driver's private control codes do.
//
// Usage: IoCreateDriver("readonly", ReadonlyDriverEntry, "", &driver), then
// VolumeStack::Attach(driver, "", altitude::kReadonly). It takes no options.
#pragma once

#include <string_view>

#include "core/device.h"
#include "core/irp.h"
#include "core/status.h"

namespace irpfs::readonly {

NtStatus ReadonlyDriverEntry(DriverObject* driver, std::string_view parameters);

// Whether the filter refuses this stack location outright (OpenIf is not refused here:
// it is rewritten on the way down).
bool IsRefused(const IoStackLocation& location);

}  // namespace irpfs::readonly
