// The I/O request packet: a header owned by the originator and one stack location per
// device in the stack the IRP travels through.
//
// Lifetime: an IRP is allocated by its originator (IoAllocateIrp, or IoInitializeIrp on
// storage the originator owns, which is how transports avoid a heap allocation per request)
// and stays valid until the originator's completion callback has run. Drivers never free
// an IRP they did not allocate.
//
// Stack locations follow NT: location stackCount-1 belongs to the top device, 0 to the
// bottom. IoCallDriver moves currentLocation one down; IoCompleteRequest walks back up and
// runs the completion routines that the devices above set.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/fs_info.h"
#include "core/irp_codes.h"
#include "core/status.h"

namespace irpfs {

class DeviceObject;
class FileObject;
struct Irp;

using CompletionRoutine = NtStatus (*)(DeviceObject* device, Irp* irp, void* context);
using CancelRoutine = void (*)(DeviceObject* device, Irp* irp);
// Runs once, after every completion routine, when the IRP is complete for its originator.
using OriginatorCompletion = void (*)(Irp* irp, void* context);

inline constexpr int kMaxStackSize = 12;

struct IoStatusBlock {
  NtStatus status = NtStatus::Pending;
  uint64_t information = 0;  // bytes transferred, CreateAction, needed length, ...
};

// Who asked: the process and credentials behind the request (FUSE's in_header, or the
// calling thread for the in-process transport).
struct Requestor {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// A pinned view of memory the originator owns for the life of the IRP (direct I/O).
struct Mdl {
  std::byte* base = nullptr;
  size_t byteCount = 0;
};

enum class BufferMethod : uint8_t { Buffered, Direct, Neither };

// ---- Per-major parameters. The active member of IoStackLocation::Parameters is chosen by
// the stack location's major function, as in NT.

struct CreateParameters {
  uint32_t desiredAccess;  // access:: bits, generic bits already mapped
  uint32_t shareAccess;    // share:: bits
  CreateDisposition disposition;
  uint32_t options;         // create_option:: bits
  uint32_t fileAttributes;  // file_attribute:: bits for a new file
  // POSIX: the type (S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK) and
  // permission bits of a file this create makes; 0 means a regular file with 0666.
  uint32_t mode;
  uint32_t umask;
  uint32_t openFlags;  // open(2) flags as the caller gave them (O_APPEND, O_NOATIME, ...)
  uint64_t rdev;       // device number for S_IFCHR / S_IFBLK
  std::string_view symlinkTarget;  // for S_IFLNK
};

struct ReadWriteParameters {
  uint32_t length;
  uint32_t key;
  uint64_t byteOffset;
  uint32_t flags;  // rw_flag:: bits
};

namespace rw_flag {
inline constexpr uint32_t kAppend = 0x1;  // write at end of file, whatever byteOffset says
inline constexpr uint32_t kWriteThrough = 0x2;
inline constexpr uint32_t kNoCache = 0x4;  // O_DIRECT
// What a write does to set-ID bits, when the sender knows the writer's privilege (the
// FUSE kernel checked CAP_FSETID). Neither flag: the file system judges by the requestor.
inline constexpr uint32_t kDropSetId = 0x8;   // the writer lacks CAP_FSETID: bits go
inline constexpr uint32_t kKeepSetId = 0x10;  // the writer holds CAP_FSETID: bits stay
}  // namespace rw_flag

struct QueryInformationParameters {
  uint32_t length;
  FileInformationClass fileInformationClass;
};

struct SetInformationParameters {
  uint32_t length;
  FileInformationClass fileInformationClass;
};

// xattrs. QueryEa with an empty name lists the names (NUL-separated) into the buffer.
namespace ea_flag {
inline constexpr uint32_t kCreate = 0x1;   // XATTR_CREATE
inline constexpr uint32_t kReplace = 0x2;  // XATTR_REPLACE
inline constexpr uint32_t kRemove = 0x4;   // removexattr
}  // namespace ea_flag

struct EaParameters {
  uint32_t length;
  uint32_t flags;
  std::string_view name;
};

struct QueryDirectoryParameters {
  uint32_t length;
  FileInformationClass fileInformationClass;
  std::string_view fileName;  // pattern with * and ?; empty = everything
  uint64_t fileIndex;         // with sl::kIndexSpecified: resume after this entry
};

struct QueryVolumeParameters {
  uint32_t length;
  FsInformationClass fsInformationClass;
};

struct FlushParameters {
  uint32_t reserved;
};

struct DeviceIoControlParameters {
  uint32_t outputBufferLength;
  uint32_t inputBufferLength;
  uint32_t ioControlCode;
  const void* type3InputBuffer;  // input for METHOD_NEITHER and the in-process transport
};

// Which lock space a LOCK_CONTROL addresses. Linux keeps flock(2) locks and POSIX (fcntl)
// record locks apart: a flock never conflicts with a record lock on the same file, so the
// two live in separate tables.
enum class LockSpace : uint8_t {
  kRange = 0,  // byte ranges owned by `owner`: NT LockFileEx and POSIX fcntl locks
  kFlock = 1,  // flock(2): the whole file, owned by the open (file object); range and owner
               // are ignored
};

// Byte-range locks. length == UINT64_MAX means "to the end of the file, however it grows".
// owner is the lock owner (FUSE lock_owner, or 0 for the file object: NT-style locks);
// pid is reported to F_GETLK callers.
struct LockControlParameters {
  uint64_t length;
  uint32_t key;
  uint64_t byteOffset;
  uint64_t owner;
  pid_t pid;
  LockSpace space;
};

// Output of minor::kQueryLock in the IRP's buffer.
struct LockConflictInfo {
  bool conflict = false;
  bool exclusive = false;
  uint64_t byteOffset = 0;
  uint64_t length = 0;
  pid_t pid = 0;
};

struct FileSystemControlParameters {
  uint32_t outputBufferLength;
  uint32_t inputBufferLength;
  uint32_t fsControlCode;
  const void* type3InputBuffer;
};

struct IoStackLocation {
  IrpMajor majorFunction = IrpMajor::Create;
  uint8_t minorFunction = 0;
  uint8_t flags = 0;    // sl:: bits
  uint8_t control = 0;  // sl_control:: bits, owned by the I/O manager

  union ParameterUnion {
    ParameterUnion() : raw{} {}
    CreateParameters create;
    ReadWriteParameters read;
    ReadWriteParameters write;
    QueryInformationParameters queryFile;
    SetInformationParameters setFile;
    EaParameters queryEa;
    EaParameters setEa;
    QueryDirectoryParameters queryDirectory;
    QueryVolumeParameters queryVolume;
    FlushParameters flush;
    DeviceIoControlParameters deviceIoControl;
    LockControlParameters lockControl;
    FileSystemControlParameters fileSystemControl;
    struct {
      uint64_t words[8];
    } raw;
  } parameters;

  DeviceObject* deviceObject = nullptr;
  FileObject* fileObject = nullptr;
  CompletionRoutine completionRoutine = nullptr;
  void* context = nullptr;
};

namespace irp_flag {
inline constexpr uint32_t kSynchronousApi = 0x4;
inline constexpr uint32_t kNoCache = 0x1;
inline constexpr uint32_t kBufferAllocated = 0x10;  // systemBuffer is the I/O manager's copy
inline constexpr uint32_t kInputOperation = 0x40;   // data flows to the caller (read)
// Set by the file system, read by the originator after completion: the request changed
// the file's attributes beyond what its own result says (a write that dropped set-ID
// bits), so a cache of them in front of the stack must be dropped.
inline constexpr uint32_t kAttributesChanged = 0x100;
}  // namespace irp_flag

struct Irp {
  IoStatusBlock ioStatus;
  uint32_t flags = 0;  // irp_flag:: bits
  Requestor requestor;
  BufferMethod bufferMethod = BufferMethod::Direct;

  // The buffer, in its method: systemBuffer for buffered I/O (and the in/out buffer of
  // information requests), mdlAddress for direct I/O, userBuffer for neither.
  void* systemBuffer = nullptr;
  Mdl* mdlAddress = nullptr;
  void* userBuffer = nullptr;

  bool pendingReturned = false;
  std::atomic<bool> cancel{false};
  std::atomic<CancelRoutine> cancelRoutine{nullptr};

  int8_t stackCount = 0;
  int8_t currentLocation = 0;  // stackCount (one past the top) before the first IoCallDriver

  // Free for the driver that currently owns the IRP (NT's Tail.Overlay.DriverContext):
  // a cancel-safe queue keeps its bookkeeping here while the IRP is queued.
  void* driverContext[4] = {};
  // Intrusive links for the queue that currently holds the IRP; one queue at a time.
  Irp* queueNext = nullptr;
  Irp* queuePrev = nullptr;

  FileObject* originalFileObject = nullptr;
  OriginatorCompletion originatorCompletion = nullptr;
  void* originatorContext = nullptr;
  // Set by IoCompleteRequest; a second completion is a driver bug and aborts.
  std::atomic<bool> completed{false};
  // Set (and notified) when the IRP is complete for its originator, just before the
  // originator's completion runs. For originators that wait on it (done.wait(false))
  // instead of setting a completion; one that waits must not free the IRP elsewhere.
  std::atomic<bool> done{false};

  IoStackLocation stack[kMaxStackSize];
};

// The data or output buffer of an IRP, whatever its method.
inline void* IoGetIrpBuffer(Irp* irp) {
  switch (irp->bufferMethod) {
    case BufferMethod::Buffered:
      return irp->systemBuffer;
    case BufferMethod::Direct:
      return irp->mdlAddress ? irp->mdlAddress->base : nullptr;
    case BufferMethod::Neither:
      return irp->userBuffer;
  }
  return nullptr;
}

}  // namespace irpfs
