// The one status currency of irpfs: NT status values.
//
// Every layer (drivers, class driver, transports) returns NtStatus. The status is turned
// into an errno (for FUSE replies) or a Win32 error (for the in-process client API) in
// exactly one place: the IRPFS_STATUS_TABLE below, read by status.cpp.
#pragma once

#include <cstdint>
#include <string_view>

namespace irpfs {

// X(name, NT value, errno, Win32 error). The row order is the lookup order for the
// reverse mapping (errno -> status): the first row with a given errno wins.
#define IRPFS_STATUS_TABLE(X)                           \
  X(Success, 0x00000000u, 0, 0)                         \
  X(Pending, 0x00000103u, 0, 997)                       \
  X(Timeout, 0x00000102u, ETIMEDOUT, 1460)              \
  X(ObjectNameExists, 0x40000000u, 0, 183)              \
  X(BufferOverflow, 0x80000005u, ERANGE, 234)           \
  X(NoMoreFiles, 0x80000006u, 0, 18)                    \
  X(DeviceBusy, 0x80000011u, EBUSY, 170)                \
  X(NoMoreEas, 0x80000012u, ENODATA, 259)               \
  X(InvalidEaName, 0x80000013u, EINVAL, 254)            \
  X(NoMoreEntries, 0x8000001Au, 0, 259)                 \
  X(NoDataDetected, 0x80000022u, ENXIO, 1104)           \
  X(StoppedOnSymlink, 0x8000002Du, ELOOP, 1921)         \
  X(Unsuccessful, 0xC0000001u, EIO, 31)                 \
  X(NotImplemented, 0xC0000002u, ENOSYS, 120)           \
  X(InvalidInfoClass, 0xC0000003u, EINVAL, 87)          \
  X(InfoLengthMismatch, 0xC0000004u, EINVAL, 24)        \
  X(InvalidHandle, 0xC0000008u, EBADF, 6)               \
  X(InvalidParameter, 0xC000000Du, EINVAL, 87)          \
  X(NoSuchDevice, 0xC000000Eu, ENODEV, 55)              \
  X(NoSuchFile, 0xC000000Fu, ENOENT, 2)                 \
  X(InvalidDeviceRequest, 0xC0000010u, ENOSYS, 1)       \
  X(EndOfFile, 0xC0000011u, 0, 38)                      \
  X(NoMediaInDevice, 0xC0000013u, ENOMEDIUM, 21)        \
  X(UnrecognizedMedia, 0xC0000014u, EMEDIUMTYPE, 1785)  \
  X(MoreProcessingRequired, 0xC0000016u, EIO, 234)      \
  X(NoMemory, 0xC0000017u, ENOMEM, 8)                   \
  X(AccessDenied, 0xC0000022u, EACCES, 5)               \
  X(BufferTooSmall, 0xC0000023u, ERANGE, 122)           \
  X(ObjectTypeMismatch, 0xC0000024u, EINVAL, 1101)      \
  X(ObjectNameInvalid, 0xC0000033u, EINVAL, 123)        \
  X(ObjectNameNotFound, 0xC0000034u, ENOENT, 2)         \
  X(ObjectNameCollision, 0xC0000035u, EEXIST, 80)       \
  X(ObjectPathInvalid, 0xC0000039u, ENOTDIR, 161)       \
  X(ObjectPathNotFound, 0xC000003Au, ENOENT, 3)         \
  X(ObjectPathSyntaxBad, 0xC000003Bu, EINVAL, 161)      \
  X(DataError, 0xC000003Eu, EIO, 23)                    \
  X(CrcError, 0xC000003Fu, EBADMSG, 23)                 \
  X(SharingViolation, 0xC0000043u, EBUSY, 32)           \
  X(EasNotSupported, 0xC000004Fu, ENOTSUP, 282)         \
  X(EaTooLarge, 0xC0000050u, E2BIG, 255)                \
  X(NonexistentEaEntry, 0xC0000051u, ENODATA, 255)      \
  X(NoEasOnFile, 0xC0000052u, ENODATA, 255)             \
  X(FileLockConflict, 0xC0000054u, EAGAIN, 33)          \
  X(LockNotGranted, 0xC0000055u, EAGAIN, 33)            \
  X(DeletePending, 0xC0000056u, ENOENT, 303)            \
  X(PrivilegeNotHeld, 0xC0000061u, EPERM, 1314)         \
  X(RangeNotLocked, 0xC000007Eu, ENOLCK, 158)           \
  X(DiskFull, 0xC000007Fu, ENOSPC, 112)                 \
  X(IntegerOverflow, 0xC0000095u, EOVERFLOW, 534)       \
  X(FileInvalid, 0xC0000098u, ESTALE, 1006)             \
  X(InsufficientResources, 0xC000009Au, ENOMEM, 1450)   \
  X(DeviceNotConnected, 0xC000009Du, ENOTCONN, 1167)    \
  X(MediaWriteProtected, 0xC00000A2u, EROFS, 19)        \
  X(IoTimeout, 0xC00000B5u, ETIMEDOUT, 1460)            \
  X(FileIsADirectory, 0xC00000BAu, EISDIR, 5)           \
  X(NotSupported, 0xC00000BBu, EOPNOTSUPP, 50)          \
  X(InvalidNetworkResponse, 0xC00000C3u, EPROTO, 58)    \
  X(UnexpectedNetworkError, 0xC00000C4u, EREMOTEIO, 59) \
  X(NotSameDevice, 0xC00000D4u, EXDEV, 17)              \
  X(InternalError, 0xC00000E5u, EIO, 1359)              \
  X(InvalidUserBuffer, 0xC00000E8u, EFAULT, 998)        \
  X(DirectoryNotEmpty, 0xC0000101u, ENOTEMPTY, 145)     \
  X(FileCorruptError, 0xC0000102u, EUCLEAN, 1392)       \
  X(NotADirectory, 0xC0000103u, ENOTDIR, 267)           \
  X(NameTooLong, 0xC0000106u, ENAMETOOLONG, 206)        \
  X(TooManyOpenedFiles, 0xC000011Fu, EMFILE, 4)         \
  X(Cancelled, 0xC0000120u, EINTR, 995)                 \
  X(CannotDelete, 0xC0000121u, EPERM, 5)                \
  X(FileClosed, 0xC0000128u, EBADF, 6)                  \
  X(UnmappableCharacter, 0xC0000162u, EILSEQ, 1113)     \
  X(InvalidDeviceState, 0xC0000184u, EIO, 1)            \
  X(IoDeviceError, 0xC0000185u, EIO, 1117)              \
  X(PossibleDeadlock, 0xC0000194u, EDEADLK, 1131)       \
  X(ConnectionDisconnected, 0xC000020Cu, ENOLINK, 64)   \
  X(ConnectionReset, 0xC000020Du, ECONNRESET, 64)       \
  X(ConnectionAborted, 0xC0000241u, ECONNABORTED, 1236) \
  X(UserMappedFile, 0xC0000243u, ETXTBSY, 1224)         \
  X(TooManyLinks, 0xC0000265u, EMLINK, 1142)            \
  X(NotAReparsePoint, 0xC0000275u, EINVAL, 4390)        \
  X(NoUserKeys, 0xC0000290u, ENOKEY, 6006)              \
  X(DiskQuotaExceeded, 0xC0000802u, EDQUOT, 1295)       \
  X(FileTooLarge, 0xC0000904u, EFBIG, 223)              \
  X(NotPermitted, 0xE0000001u, EPERM, 5)                \
  X(InvalidSeek, 0xE0000002u, ESPIPE, 131)              \
  X(NotATty, 0xE0000003u, ENOTTY, 1)                    \
  X(ReadOnlyHandle, 0xE0000004u, EBADF, 5)              \
  X(FileTableOverflow, 0xE0000005u, ENFILE, 4)

// NotPermitted, InvalidSeek, NotATty, ReadOnlyHandle and FileTableOverflow are irpfs's own
// values (customer bit 0x20000000 set, as NT reserves for non-Microsoft codes): POSIX
// distinguishes EPERM from EACCES, ESPIPE and ENOTTY, EBADF for a write on a read-only
// descriptor, and the system-wide ENFILE from the per-process EMFILE, where NT has one code.
//
// Every errno a host file system hands the mirror has a row of its own, so that it comes
// back out of the FUSE reply unchanged instead of as EIO. Where NT has no exact twin the
// row takes the NT code for the same situation:
// - EDQUOT: STATUS_DISK_QUOTA_EXCEEDED (the per-user disk quota), not STATUS_QUOTA_EXCEEDED,
//   which is a process's memory and handle quota.
// - ETXTBSY: STATUS_USER_MAPPED_FILE, what NT answers a write or truncate of a file mapped
//   as an image. STATUS_SHARING_VIOLATION would fit the open but is EBUSY already.
// - ESTALE: STATUS_FILE_INVALID, "the volume was altered externally so the open file is no
//   longer valid", which is an NFS stale handle.
// - EOVERFLOW: STATUS_INTEGER_OVERFLOW (a size or offset the caller's type cannot hold).
// - EILSEQ: STATUS_UNMAPPABLE_CHARACTER (a name the host's encoding rules refuse).
// - EUCLEAN and EBADMSG, which ext4, xfs and btrfs use for corrupt metadata and a bad
//   checksum: STATUS_FILE_CORRUPT_ERROR and STATUS_CRC_ERROR.
// - ENOMEDIUM and EMEDIUMTYPE (removable media, a loop device without a file):
//   STATUS_NO_MEDIA_IN_DEVICE and STATUS_UNRECOGNIZED_MEDIA.
// - ENOKEY, an fscrypt directory whose key is not loaded: STATUS_NO_USER_KEYS, what NTFS
//   answers for an EFS file without the user's key.
// - Network file systems (NFS, SMB, 9p) and FUSE servers under the mirror: EREMOTEIO (the
//   server failed) as STATUS_UNEXPECTED_NETWORK_ERROR, EPROTO (a malformed answer) as
//   STATUS_INVALID_NETWORK_RESPONSE, ENOLINK (the link to the server is gone) as
//   STATUS_CONNECTION_DISCONNECTED, ECONNRESET and ECONNABORTED as
//   STATUS_CONNECTION_RESET and STATUS_CONNECTION_ABORTED.

enum class NtStatus : uint32_t {
#define IRPFS_STATUS_ENUM(name, value, err, win32) name = value,
  IRPFS_STATUS_TABLE(IRPFS_STATUS_ENUM)
#undef IRPFS_STATUS_ENUM
};

// NT_SUCCESS: success and informational values (severity bits 00 and 01).
constexpr bool NtSuccess(NtStatus s) {
  return static_cast<int32_t>(s) >= 0;
}
// NT_ERROR: severity 11.
constexpr bool NtError(NtStatus s) {
  return (static_cast<uint32_t>(s) >> 30) == 3;
}

// The mapping, one table (above) for all three. Unknown values map to EIO /
// ERROR_GEN_FAILURE and the name "STATUS_0x...".
int StatusToErrno(NtStatus s);
uint32_t StatusToWin32(NtStatus s);
NtStatus ErrnoToStatus(int err);
std::string_view StatusName(NtStatus s);  // e.g. "STATUS_SHARING_VIOLATION"

}  // namespace irpfs
