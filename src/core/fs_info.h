// Information classes carried by QUERY/SET_INFORMATION, DIRECTORY_CONTROL and
// QUERY_VOLUME_INFORMATION IRPs, and their buffers.
//
// NT passes these as packed structs in the system buffer. irpfs keeps the classes and
// the names but gives them C++ types: the buffer of an IRP of class C points to the struct
// named for C below. Names inside them are string_views into memory the originator of the
// IRP owns until the IRP completes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace irpfs {

class FileObject;

struct FileTimeSpec {
  int64_t sec = 0;
  uint32_t nsec = 0;
  friend bool operator==(const FileTimeSpec&, const FileTimeSpec&) = default;
};

enum class FileInformationClass : uint32_t {
  FileDirectoryInformation = 1,
  FileBasicInformation = 4,
  FileStandardInformation = 5,
  FileInternalInformation = 6,
  FileNameInformation = 9,
  FileRenameInformation = 10,
  FileLinkInformation = 11,
  FileDispositionInformation = 13,
  FilePositionInformation = 14,
  FileAllocationInformation = 19,
  FileEndOfFileInformation = 20,
  FileDispositionInformationEx = 64,
  FileRenameInformationEx = 65,
  FileStatInformation = 68,
  // irpfs's own classes (no NT counterpart).
  FilePosixInformation = 0x100,              // set mode / uid / gid / times / size, POSIX setattr
  FileSymlinkInformation = 0x101,            // query the target of a symlink (readlink)
  FileAllocateRangeInformation = 0x102,      // fallocate
  FileSeekDataInformation = 0x103,           // lseek SEEK_DATA / SEEK_HOLE
  FileFullDirectoryInformation = 0x104,      // directory entry with a full FileStat (readdirplus)
  FileBackingDescriptorInformation = 0x105,  // query: the host fd holding an open's data
};

// POSIX file type bits of FileStat::mode are those of <sys/stat.h> (S_IFREG ...).

// FileStatInformation: everything stat(2) says. Query only.
struct FileStat {
  uint64_t fileId = 0;  // inode number
  uint64_t generation = 0;
  uint32_t mode = 0;  // type and permission bits
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t rdev = 0;
  uint64_t size = 0;            // end of file
  uint64_t allocationSize = 0;  // bytes actually stored (holes cost nothing)
  FileTimeSpec atime, mtime, ctime, btime;
  uint32_t attributes = 0;  // FILE_ATTRIBUTE_*
  bool deletePending = false;
};

// FileBasicInformation: times and attributes; a zero time means "leave as is".
struct FileBasicInfo {
  FileTimeSpec creationTime, lastAccessTime, lastWriteTime, changeTime;
  uint32_t attributes = 0;  // 0 = leave as is
};

struct FileStandardInfo {
  uint64_t allocationSize = 0;
  uint64_t endOfFile = 0;
  uint32_t numberOfLinks = 0;
  bool deletePending = false;
  bool directory = false;
};

struct FileInternalInfo {
  uint64_t indexNumber = 0;
};

struct FilePositionInfo {
  uint64_t currentByteOffset = 0;
};

struct FileEndOfFileInfo {
  uint64_t endOfFile = 0;
};

struct FileAllocationInfo {
  uint64_t allocationSize = 0;
};

// FileDispositionInformation(Ex). Ex flags as NT's FILE_DISPOSITION_*.
namespace disposition_flag {
inline constexpr uint32_t kDoNotDelete = 0x0;
inline constexpr uint32_t kDelete = 0x1;
inline constexpr uint32_t kPosixSemantics = 0x2;  // the name goes now, open handles live on
inline constexpr uint32_t kIgnoreReadonly = 0x10;
inline constexpr uint32_t kOnClose = 0x8;
}  // namespace disposition_flag

struct FileDispositionInfo {
  uint32_t flags = disposition_flag::kDelete;
};

// FileRenameInformation(Ex) and FileLinkInformation. The target is fileName relative to
// rootDirectory, or an absolute volume path when rootDirectory is null.
namespace rename_flag {
inline constexpr uint32_t kReplaceIfExists = 0x1;
inline constexpr uint32_t kPosixSemantics = 0x2;
inline constexpr uint32_t kExchange = 0x80000000u;  // irpfs: RENAME_EXCHANGE
}  // namespace rename_flag

struct FileRenameInfo {
  uint32_t flags = 0;
  FileObject* rootDirectory = nullptr;
  std::string_view fileName;
};

// FilePosixInformation (set): the fields named in `valid` are applied in one step.
namespace posix_valid {
inline constexpr uint32_t kMode = 0x01;
inline constexpr uint32_t kUid = 0x02;
inline constexpr uint32_t kGid = 0x04;
inline constexpr uint32_t kSize = 0x08;
inline constexpr uint32_t kAtime = 0x10;
inline constexpr uint32_t kMtime = 0x20;
inline constexpr uint32_t kAtimeNow = 0x40;
inline constexpr uint32_t kMtimeNow = 0x80;
inline constexpr uint32_t kCtime = 0x100;
}  // namespace posix_valid

struct FilePosixInfo {
  uint32_t valid = 0;
  uint32_t mode = 0;  // permission bits only
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  FileTimeSpec atime, mtime, ctime;
};

// FileSymlinkInformation (query): the target is copied into the IRP's buffer after this
// header; on a buffer too small the status is BufferOverflow and targetLength says how much.
struct FileSymlinkInfo {
  uint32_t targetLength = 0;
};

// FileAllocateRangeInformation (set): fallocate(2) mode bits as in <linux/falloc.h>.
struct FileAllocateRangeInfo {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t mode = 0;
};

// FileSeekDataInformation (query): in offset + whence (SEEK_DATA=3 / SEEK_HOLE=4), out offset.
struct FileSeekDataInfo {
  uint64_t offset = 0;
  uint32_t whence = 0;
};

// FileBackingDescriptorInformation (query): the host descriptor that holds this open's
// data, for a transport that lets the kernel do the I/O on it (FUSE passthrough). The fd
// stays the file system's: valid until the open's CLEANUP, never closed by the asker.
// Filters see the query on its way down; one that must see the open's READ and WRITE
// IRPs refuses it (core/filter_device.h makes that the default), and the open is then
// served through the stack as usual. Only regular files opened with data access answer.
struct FileBackingDescriptorInfo {
  int32_t fd = -1;
  uint32_t flags = 0;  // none defined yet
};

// Directory enumeration output: a packed run of entries, each aligned to 8 bytes and
// followed by its name (not NUL-terminated). nextEntryOffset is 0 on the last entry.
// fileIndex is the resume cookie: a later query with SL_INDEX_SPECIFIED and that index
// continues after this entry (FUSE's readdir offset).
// FileFullDirectoryInformation: each entry with all its attributes.
struct DirEntryHeader {
  uint32_t nextEntryOffset = 0;
  uint32_t nameLength = 0;
  uint64_t fileIndex = 0;
  FileStat stat;
};

// FileDirectoryInformation: the file id and type only, what a plain listing (FUSE
// READDIR) needs. A fifth of DirEntryHeader, so a listing moves that much less memory.
struct DirEntryIdHeader {
  uint32_t nextEntryOffset = 0;
  uint32_t nameLength = 0;
  uint64_t fileIndex = 0;
  uint64_t fileId = 0;
  uint32_t mode = 0;  // the type bits are what matters
  uint32_t reserved = 0;
};

constexpr size_t DirEntrySize(size_t nameLength) {
  return (sizeof(DirEntryHeader) + nameLength + 7) & ~size_t{7};
}
constexpr size_t DirEntryIdSize(size_t nameLength) {
  return (sizeof(DirEntryIdHeader) + nameLength + 7) & ~size_t{7};
}
template <class Header>
std::string_view DirEntryName(const Header* e) {
  return {reinterpret_cast<const char*>(e + 1), e->nameLength};
}

// Volume information classes (QUERY_VOLUME_INFORMATION).
enum class FsInformationClass : uint32_t {
  FileFsVolumeInformation = 1,
  FileFsSizeInformation = 3,
  FileFsDeviceInformation = 4,
  FileFsAttributeInformation = 5,
  FileFsFullSizeInformation = 7,
};

struct FsVolumeInfo {
  uint32_t serialNumber = 0;
  char label[64] = {};
};

struct FsFullSizeInfo {
  uint64_t totalAllocationUnits = 0;
  uint64_t callerAvailableAllocationUnits = 0;
  uint64_t actualAvailableAllocationUnits = 0;
  uint32_t sectorsPerAllocationUnit = 1;
  uint32_t bytesPerSector = 4096;
  uint64_t totalFiles = 0;  // inodes, for statfs
  uint64_t freeFiles = 0;
};

namespace fs_attribute {
inline constexpr uint32_t kCaseSensitiveSearch = 0x1;
inline constexpr uint32_t kCasePreservedNames = 0x2;
inline constexpr uint32_t kPersistentAcls = 0x8;
inline constexpr uint32_t kSupportsSparseFiles = 0x40;
inline constexpr uint32_t kSupportsHardLinks = 0x400000;
inline constexpr uint32_t kSupportsExtendedAttributes = 0x800000;
inline constexpr uint32_t kReadOnlyVolume = 0x80000;
}  // namespace fs_attribute

struct FsAttributeInfo {
  uint32_t attributes = 0;
  uint32_t maximumComponentNameLength = 255;
  char fileSystemName[32] = {};
};

}  // namespace irpfs
