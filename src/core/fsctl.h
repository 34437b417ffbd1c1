// File system control codes that irpfs defines (IRP_MJ_FILE_SYSTEM_CONTROL with minor
// IRP_MN_USER_FS_REQUEST, code in Parameters.fileSystemControl.fsControlCode) and the
// structs they carry.
#pragma once

#include <cstdint>

#include "core/status.h"

namespace irpfs {

class FileObject;

namespace fsctl {

// NT's CTL_CODE layout: device type, required access, function number, buffer method.
constexpr uint32_t CtlCode(uint32_t deviceType, uint32_t function, uint32_t method,
                           uint32_t access) {
  return (deviceType << 16) | (access << 14) | (function << 2) | method;
}
inline constexpr uint32_t kFileDeviceFileSystem = 0x00000009;
inline constexpr uint32_t kMethodNeither = 3;
inline constexpr uint32_t kFileWriteAccess = 0x0002;

// FSCTL_IRPFS_COPY_RANGE: copy a byte range of one open file into another on the same
// volume without the bytes passing through the originator (copy_file_range(2)). Sent to
// the destination's file object; the input (CopyRangeInput) names the source's.
// Its nearest NT relatives are FSCTL_DUPLICATE_EXTENTS_TO_FILE (a block-clone of a range
// from a source handle, sent to the target) and SMB2's FSCTL_SRV_COPYCHUNK (server-side
// chunked copy keyed by a resume key the source open handed out). Unlike the first it
// copies rather than shares extents and allows any alignment; unlike the second it needs
// no resume key, because the originator already holds both file objects.
// Function numbers 0x800 and up are for vendors; 0x900 is irpfs's block.
inline constexpr uint32_t kIrpfsCopyRange =
    CtlCode(kFileDeviceFileSystem, 0x900, kMethodNeither, kFileWriteAccess);

}  // namespace fsctl

// The input of FSCTL_IRPFS_COPY_RANGE (type3InputBuffer or the system buffer).
// information on success = bytes copied (fewer than `length` at the source's end of file).
struct CopyRangeInput {
  // Where NT passes a HANDLE and the file system calls ObReferenceObjectByHandle, the
  // originator resolves its own handle (a FUSE fh, an in-process HANDLE) and passes the
  // file object, holding a reference on it until the IRP is complete. The receiver checks
  // it with IoCheckFileObjectReference before use.
  FileObject* sourceFileObject = nullptr;
  uint64_t sourceOffset = 0;
  uint64_t targetOffset = 0;
  uint64_t length = 0;
  uint32_t flags = 0;  // none defined yet: must be 0 (copy_file_range(2) has none either)
};

// The I/O manager's check of a file object named inside an IRP's input: it must be an
// open that completed its CREATE and has not been cleaned up (STATUS_INVALID_HANDLE /
// STATUS_FILE_CLOSED), and be opened on the same device stack as `target`
// (STATUS_NOT_SAME_DEVICE, EXDEV).
NtStatus IoCheckFileObjectReference(const FileObject* reference, const FileObject* target);

}  // namespace irpfs
