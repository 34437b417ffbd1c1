// Function codes, flags and option bits of IRPs, with NT's values where NT has the concept.
#pragma once

#include <cstdint>
#include <string_view>

namespace irpfs {

enum class IrpMajor : uint8_t {
  Create = 0x00,
  CreateNamedPipe = 0x01,
  Close = 0x02,
  Read = 0x03,
  Write = 0x04,
  QueryInformation = 0x05,
  SetInformation = 0x06,
  QueryEa = 0x07,
  SetEa = 0x08,
  FlushBuffers = 0x09,
  QueryVolumeInformation = 0x0a,
  SetVolumeInformation = 0x0b,
  DirectoryControl = 0x0c,
  FileSystemControl = 0x0d,
  DeviceControl = 0x0e,
  InternalDeviceControl = 0x0f,
  Shutdown = 0x10,
  LockControl = 0x11,
  Cleanup = 0x12,
  CreateMailslot = 0x13,
  QuerySecurity = 0x14,
  SetSecurity = 0x15,
  Power = 0x16,
  SystemControl = 0x17,
  DeviceChange = 0x18,
  QueryQuota = 0x19,
  SetQuota = 0x1a,
  Pnp = 0x1b,
  // NT's FastIoQueryOpen, which filter manager presents to minifilters as
  // IRP_MJ_QUERY_OPEN: a name's attributes without opening it. Parameters as
  // IRP_MJ_CREATE's (a FileObject carrying the name, never opened); the FileStat goes
  // to irp->systemBuffer. A stack that does not handle it answers
  // STATUS_INVALID_DEVICE_REQUEST (the default dispatch) and the caller opens instead.
  QueryOpen = 0x1c,
};
inline constexpr int kIrpMajorCount = 0x1d;

// "IRP_MJ_CREATE", ... for traces and the drvobj view.
std::string_view IrpMajorName(IrpMajor major);
std::string_view IrpMinorName(IrpMajor major, uint8_t minor);  // "" when none applies

namespace minor {
// IRP_MJ_DIRECTORY_CONTROL
inline constexpr uint8_t kQueryDirectory = 0x01;
inline constexpr uint8_t kNotifyChangeDirectory = 0x02;
// IRP_MJ_LOCK_CONTROL
inline constexpr uint8_t kLock = 0x01;
inline constexpr uint8_t kUnlockSingle = 0x02;
inline constexpr uint8_t kUnlockAll = 0x03;
inline constexpr uint8_t kUnlockAllByKey = 0x04;
// irpfs: POSIX F_GETLK has no NT counterpart; it asks "who would block this lock?".
inline constexpr uint8_t kQueryLock = 0x80;
// IRP_MJ_FLUSH_BUFFERS
inline constexpr uint8_t kFlushDataOnly = 0x01;  // fdatasync
// IRP_MJ_FILE_SYSTEM_CONTROL
inline constexpr uint8_t kUserFsRequest = 0x00;
inline constexpr uint8_t kMountVolume = 0x01;
// IRP_MJ_PNP
inline constexpr uint8_t kStartDevice = 0x00;
inline constexpr uint8_t kRemoveDevice = 0x02;
}  // namespace minor

// ACCESS_MASK bits (file-specific, standard and generic rights).
namespace access {
inline constexpr uint32_t kReadData = 0x0001;    // FILE_READ_DATA / FILE_LIST_DIRECTORY
inline constexpr uint32_t kWriteData = 0x0002;   // FILE_WRITE_DATA / FILE_ADD_FILE
inline constexpr uint32_t kAppendData = 0x0004;  // FILE_APPEND_DATA / FILE_ADD_SUBDIRECTORY
inline constexpr uint32_t kReadEa = 0x0008;
inline constexpr uint32_t kWriteEa = 0x0010;
inline constexpr uint32_t kExecute = 0x0020;  // FILE_EXECUTE / FILE_TRAVERSE
inline constexpr uint32_t kDeleteChild = 0x0040;
inline constexpr uint32_t kReadAttributes = 0x0080;
inline constexpr uint32_t kWriteAttributes = 0x0100;
inline constexpr uint32_t kDelete = 0x00010000;
inline constexpr uint32_t kReadControl = 0x00020000;
inline constexpr uint32_t kWriteDac = 0x00040000;
inline constexpr uint32_t kWriteOwner = 0x00080000;
inline constexpr uint32_t kSynchronize = 0x00100000;
inline constexpr uint32_t kGenericAll = 0x10000000;
inline constexpr uint32_t kGenericExecute = 0x20000000;
inline constexpr uint32_t kGenericWrite = 0x40000000;
inline constexpr uint32_t kGenericRead = 0x80000000;
inline constexpr uint32_t kFileGenericRead =
    kReadControl | kReadData | kReadAttributes | kReadEa | kSynchronize;
inline constexpr uint32_t kFileGenericWrite =
    kReadControl | kWriteData | kWriteAttributes | kWriteEa | kAppendData | kSynchronize;
inline constexpr uint32_t kFileGenericExecute =
    kReadControl | kReadAttributes | kExecute | kSynchronize;
inline constexpr uint32_t kFileAllAccess = 0x001F01FF;
// Generic bits folded into file-specific ones, as the I/O manager does before dispatch.
constexpr uint32_t MapGeneric(uint32_t mask) {
  uint32_t out = mask & 0x0FFFFFFFu;
  if (mask & kGenericRead) out |= kFileGenericRead;
  if (mask & kGenericWrite) out |= kFileGenericWrite;
  if (mask & kGenericExecute) out |= kFileGenericExecute;
  if (mask & kGenericAll) out |= kFileAllAccess;
  return out;
}
}  // namespace access

// FILE_SHARE_*
namespace share {
inline constexpr uint32_t kRead = 0x1;
inline constexpr uint32_t kWrite = 0x2;
inline constexpr uint32_t kDelete = 0x4;
inline constexpr uint32_t kAll = kRead | kWrite | kDelete;
}  // namespace share

// CreateDisposition of IRP_MJ_CREATE (FILE_SUPERSEDE ... FILE_OVERWRITE_IF).
enum class CreateDisposition : uint32_t {
  Supersede = 0,
  Open = 1,
  Create = 2,
  OpenIf = 3,
  Overwrite = 4,
  OverwriteIf = 5,
};

// IoStatus.Information of a successful create.
enum class CreateAction : uint32_t {
  Superseded = 0,
  Opened = 1,
  Created = 2,
  Overwritten = 3,
  Exists = 4,
  DoesNotExist = 5,
};

// CreateOptions bits.
namespace create_option {
inline constexpr uint32_t kDirectoryFile = 0x00000001;
inline constexpr uint32_t kWriteThrough = 0x00000002;
inline constexpr uint32_t kSequentialOnly = 0x00000004;
inline constexpr uint32_t kNoIntermediateBuffering = 0x00000008;
inline constexpr uint32_t kNonDirectoryFile = 0x00000040;
inline constexpr uint32_t kRandomAccess = 0x00000800;
inline constexpr uint32_t kDeleteOnClose = 0x00001000;
inline constexpr uint32_t kOpenByFileId = 0x00002000;
inline constexpr uint32_t kOpenReparsePoint = 0x00200000;  // do not follow a final symlink
}  // namespace create_option

// FILE_ATTRIBUTE_*
namespace file_attribute {
inline constexpr uint32_t kReadonly = 0x0001;
inline constexpr uint32_t kHidden = 0x0002;
inline constexpr uint32_t kSystem = 0x0004;
inline constexpr uint32_t kDirectory = 0x0010;
inline constexpr uint32_t kArchive = 0x0020;
inline constexpr uint32_t kNormal = 0x0080;
inline constexpr uint32_t kSparseFile = 0x0200;
inline constexpr uint32_t kReparsePoint = 0x0400;
}  // namespace file_attribute

// IO_STACK_LOCATION.Control: owned by the I/O manager.
namespace sl_control {
inline constexpr uint8_t kPendingReturned = 0x01;
inline constexpr uint8_t kInvokeOnCancel = 0x20;
inline constexpr uint8_t kInvokeOnSuccess = 0x40;
inline constexpr uint8_t kInvokeOnError = 0x80;
inline constexpr uint8_t kInvokeAlways = kInvokeOnCancel | kInvokeOnSuccess | kInvokeOnError;
}  // namespace sl_control

// IO_STACK_LOCATION.Flags: per-major meanings (bit values shared, as in NT).
namespace sl {
inline constexpr uint8_t kRestartScan = 0x01;  // directory control
inline constexpr uint8_t kReturnSingleEntry = 0x02;
inline constexpr uint8_t kIndexSpecified = 0x04;   // resume after FileIndex
inline constexpr uint8_t kFailImmediately = 0x01;  // lock control
inline constexpr uint8_t kExclusiveLock = 0x02;
inline constexpr uint8_t kCaseSensitive = 0x80;  // create
}  // namespace sl

}  // namespace irpfs
