// Building the IRPs the dispatcher sends, in an Operation's embedded IRP storage, and the
// conversions between FUSE's and irpfs's views of the same facts. Private to the
// dispatcher_*.cpp files.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/fs_info.h"
#include "core/irp.h"
#include "transport/fuse/dispatcher_operation.h"
#include "transport/fuse/fuse_abi.h"

namespace irpfs::fuse::detail {

// The rights of a node FileObject: attributes and EAs, which NT checks against no share
// mode, so a node open never blocks another open. A volume that refuses the write half
// (read-only) gets node FileObjects with the read half only.
inline constexpr uint32_t kReadOnlyNodeAccess = access::kReadAttributes | access::kReadEa;
inline constexpr uint32_t kNodeAccess =
    access::kReadAttributes | access::kWriteAttributes | access::kReadEa | access::kWriteEa;

// A nodeid the node table does not know. The kernel only names nodes it looked up, so
// this is a bug on one side or the other: EIO, not ENOENT, which would hide it, nor
// ESTALE (STATUS_FILE_INVALID), which would make the kernel look the path up again.
inline constexpr NtStatus kStaleNode = NtStatus::InternalError;
// An fh the handle table does not know: EBADF.
inline constexpr NtStatus kStaleHandle = NtStatus::InvalidHandle;

// Readies op.irp for `fileObject`'s stack (IoInitializeIrp on the record's storage) and
// returns the top location, with major, minor and file object filled in.
IoStackLocation* PrepareIrp(Operation& op, FileObject* fileObject, IrpMajor major,
                            uint8_t minor = 0);

// An IRP_MJ_QUERY_OPEN of `name` relative to `related`: the FileStat an open would find
// goes to *stat. The FileObject carrying the name is never opened; it is held in op.fo2
// and freed with the operation (no CLEANUP or CLOSE).
void PrepareQueryOpen(Operation& op, DeviceObject* volume, FileObject* related,
                      std::string_view name, uint32_t access, FileStat* stat);

// An IRP_MJ_CREATE of a new FileObject on `volume`: `name` relative to `related` (an
// empty name reopens the related file), or an absolute volume path when related is null.
// The FileObject lands in op.created when the IRP succeeds.
IoStackLocation* PrepareCreate(Operation& op, DeviceObject* volume, FileObject* related,
                               std::string_view name, uint32_t access,
                               CreateDisposition disposition, uint32_t options);

// QUERY_INFORMATION / SET_INFORMATION with `buffer` as the system buffer.
void PrepareQueryInformation(Operation& op, FileObject* fileObject, FileInformationClass cls,
                             void* buffer, uint32_t length);
void PrepareSetInformation(Operation& op, FileObject* fileObject, FileInformationClass cls,
                           void* buffer, uint32_t length);
inline void PrepareQueryStat(Operation& op, FileObject* fileObject) {
  op.stat = FileStat{};
  PrepareQueryInformation(op, fileObject, FileInformationClass::FileStatInformation, &op.stat,
                          sizeof op.stat);
}

// ---- Conversions.

// fuse_attr from FileStat (the kernel's new_encode_dev form of rdev, 512-byte blocks).
fuse_attr ToFuseAttr(const FileStat& stat);
fuse_statx ToFuseStatx(const FileStat& stat);
// Seconds and nanoseconds of a timeout given in (fractional) seconds.
void SplitTimeout(double seconds, uint64_t* sec, uint32_t* nsec);

// The access mask of an open(2): O_ACCMODE plus O_APPEND (and attribute reads, for fstat).
uint32_t AccessOfOpenFlags(uint32_t openFlags);
// rw_flag / create options implied by open(2) flags.
uint32_t CreateOptionsOfOpenFlags(uint32_t openFlags);

// Lock ranges: FUSE gives [start, end] inclusive with end = OFFSET_MAX for "to EOF".
uint64_t LockLength(const fuse_file_lock& lk);
uint64_t LockEnd(uint64_t start, uint64_t length);

}  // namespace irpfs::fuse::detail
