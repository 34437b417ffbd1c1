// Internal to inproc: IRP_MJ_CREATE, and the opens a client makes for itself.
#pragma once

#include <memory>
#include <string_view>

#include "core/device.h"
#include "core/irp.h"
#include "transport/inproc/client.h"
#include "transport/inproc/io_dispatch.h"

namespace irpfs::inproc::detail {

// Sends IRP_MJ_CREATE for `path` to the top of `volume`'s stack. On success *file is a
// new open holding one handle count (ObOpenHandle), which the caller either gives to the
// handle table or closes with ObCloseHandle; *grantedAccess is the access the open has.
NtStatus OpenFileObject(DeviceObject* volume, std::string_view path, const NtCreateRequest& request,
                        std::shared_ptr<OpenFile>* file, uint32_t* grantedAccess,
                        IoStatusBlock* ioStatus);

// An open no handle table knows of (behind DeleteFile, MoveFileEx, FindFirstFile, the
// volume queries); its handle count goes when it does.
class ScopedOpen {
 public:
  ScopedOpen() = default;
  ScopedOpen(const ScopedOpen&) = delete;
  ScopedOpen& operator=(const ScopedOpen&) = delete;
  ~ScopedOpen() {
    if (file != nullptr) ObCloseHandle(file->fileObject);
  }
  // Opens; false with the last error set on failure.
  bool Open(DeviceObject* volume, std::string_view path, uint32_t desiredAccess,
            uint32_t shareAccess, uint32_t createOptions);
  // A FileRef for the calls that take one (it holds its own reference).
  void Reference(FileRef* ref) const;

  std::shared_ptr<OpenFile> file;
  uint32_t grantedAccess = 0;
};

}  // namespace irpfs::inproc::detail
