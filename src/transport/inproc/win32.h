// Win32 constants of the in-process client API: creation dispositions, flags, the error
// codes callers test for, and the handle type. Values are Windows's own, so code written
// against the Win32 documentation reads the same here.
#pragma once

#include <cstdint>

namespace irpfs::inproc {

// A handle: an index into a client's handle table with a generation count and the
// table's id, never a pointer. A closed or foreign handle is detected, not dereferenced.
enum class Handle : uint64_t {};
inline constexpr Handle kInvalidHandleValue = static_cast<Handle>(~uint64_t{0});

// CreateFile's dwCreationDisposition.
inline constexpr uint32_t CREATE_NEW = 1;
inline constexpr uint32_t CREATE_ALWAYS = 2;
inline constexpr uint32_t OPEN_EXISTING = 3;
inline constexpr uint32_t OPEN_ALWAYS = 4;
inline constexpr uint32_t TRUNCATE_EXISTING = 5;

// dwFlagsAndAttributes: the FILE_FLAG_* bits (the low 16 bits are FILE_ATTRIBUTE_*).
inline constexpr uint32_t FILE_FLAG_WRITE_THROUGH = 0x80000000u;
inline constexpr uint32_t FILE_FLAG_OVERLAPPED = 0x40000000u;
inline constexpr uint32_t FILE_FLAG_NO_BUFFERING = 0x20000000u;
inline constexpr uint32_t FILE_FLAG_RANDOM_ACCESS = 0x10000000u;
inline constexpr uint32_t FILE_FLAG_SEQUENTIAL_SCAN = 0x08000000u;
inline constexpr uint32_t FILE_FLAG_DELETE_ON_CLOSE = 0x04000000u;
inline constexpr uint32_t FILE_FLAG_BACKUP_SEMANTICS = 0x02000000u;
inline constexpr uint32_t FILE_FLAG_POSIX_SEMANTICS = 0x01000000u;
inline constexpr uint32_t FILE_FLAG_OPEN_REPARSE_POINT = 0x00200000u;

// DuplicateHandle options.
inline constexpr uint32_t DUPLICATE_CLOSE_SOURCE = 0x1;
inline constexpr uint32_t DUPLICATE_SAME_ACCESS = 0x2;

// MoveFileEx flags.
inline constexpr uint32_t MOVEFILE_REPLACE_EXISTING = 0x1;

// LockFileEx flags.
inline constexpr uint32_t LOCKFILE_FAIL_IMMEDIATELY = 0x1;
inline constexpr uint32_t LOCKFILE_EXCLUSIVE_LOCK = 0x2;

// SetFilePointerEx move methods.
inline constexpr uint32_t FILE_BEGIN = 0;
inline constexpr uint32_t FILE_CURRENT = 1;
inline constexpr uint32_t FILE_END = 2;

// Win32 error codes (GetLastError values) that callers of this API meet.
inline constexpr uint32_t ERROR_SUCCESS = 0;
inline constexpr uint32_t ERROR_FILE_NOT_FOUND = 2;
inline constexpr uint32_t ERROR_PATH_NOT_FOUND = 3;
inline constexpr uint32_t ERROR_ACCESS_DENIED = 5;
inline constexpr uint32_t ERROR_INVALID_HANDLE = 6;
inline constexpr uint32_t ERROR_NO_MORE_FILES = 18;
inline constexpr uint32_t ERROR_SHARING_VIOLATION = 32;
inline constexpr uint32_t ERROR_LOCK_VIOLATION = 33;
inline constexpr uint32_t ERROR_HANDLE_EOF = 38;
inline constexpr uint32_t ERROR_NOT_SUPPORTED = 50;
inline constexpr uint32_t ERROR_FILE_EXISTS = 80;
inline constexpr uint32_t ERROR_INVALID_PARAMETER = 87;
inline constexpr uint32_t ERROR_INSUFFICIENT_BUFFER = 122;
inline constexpr uint32_t ERROR_INVALID_NAME = 123;
inline constexpr uint32_t ERROR_DIR_NOT_EMPTY = 145;
inline constexpr uint32_t ERROR_ALREADY_EXISTS = 183;
inline constexpr uint32_t ERROR_FILENAME_EXCED_RANGE = 206;
inline constexpr uint32_t ERROR_MORE_DATA = 234;
inline constexpr uint32_t ERROR_DIRECTORY = 267;
inline constexpr uint32_t ERROR_DELETE_PENDING = 303;
inline constexpr uint32_t ERROR_OPERATION_ABORTED = 995;
inline constexpr uint32_t ERROR_IO_INCOMPLETE = 996;
inline constexpr uint32_t ERROR_IO_PENDING = 997;
inline constexpr uint32_t ERROR_NOT_FOUND = 1168;

// DeviceIoControl transfer methods: the low two bits of a control code.
inline constexpr uint32_t METHOD_BUFFERED = 0;
inline constexpr uint32_t METHOD_IN_DIRECT = 1;
inline constexpr uint32_t METHOD_OUT_DIRECT = 2;
inline constexpr uint32_t METHOD_NEITHER = 3;
constexpr uint32_t CTL_CODE(uint32_t deviceType, uint32_t function, uint32_t method,
                            uint32_t access) {
  return (deviceType << 16) | (access << 14) | (function << 2) | method;
}

}  // namespace irpfs::inproc
