// Client: reads, writes, the file position, byte-range locks and cancellation.
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>

#include "transport/inproc/client.h"
#include "transport/inproc/handle_table.h"
#include "transport/inproc/io_dispatch.h"

namespace irpfs::inproc {

using detail::FileRef;
using detail::OverlappedAccess;

namespace {

constexpr uint64_t kMaxOffset = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
// STATUS_NOT_FOUND: CancelIoEx found nothing. Not in the shared status table, which
// carries the statuses drivers return; only this API produces it.
constexpr auto kStatusNotFound = static_cast<NtStatus>(0xC0000225u);

}  // namespace

bool Client::ReadWrite(Handle handle, IrpMajor major, void* buffer, uint32_t length,
                       const uint64_t* explicitOffset, uint32_t* bytesTransferred,
                       Overlapped* overlapped, OverlappedCompletionRoutine routine) {
  if (bytesTransferred != nullptr) *bytesTransferred = 0;
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  bool read = major == IrpMajor::Read;
  if (buffer == nullptr && length > 0) return SetLastStatus(NtStatus::InvalidParameter);

  std::optional<uint64_t> offset;
  if (overlapped != nullptr) {
    offset = overlapped->offset;
  } else if (explicitOffset != nullptr) {
    offset = *explicitOffset;
  } else if (!ref.file->synchronous) {
    // An overlapped handle has no position to fall back on.
    return SetLastStatus(NtStatus::InvalidParameter);
  }
  if (offset.has_value() && *offset > kMaxOffset) {
    return SetLastStatus(NtStatus::InvalidParameter);
  }

  uint32_t rwFlags = ref.file->transferFlags;
  if (read) {
    if (!(ref.grantedAccess & access::kReadData)) return SetLastStatus(NtStatus::AccessDenied);
  } else {
    if (!(ref.grantedAccess & (access::kWriteData | access::kAppendData))) {
      return SetLastStatus(NtStatus::AccessDenied);
    }
    // Append-only access: every write lands at the end of file, whatever the offset.
    if (!(ref.grantedAccess & access::kWriteData)) rwFlags |= rw_flag::kAppend;
  }
  if (overlapped != nullptr && !OverlappedAccess::Claim(*overlapped)) {
    return SetLastStatus(NtStatus::InvalidParameter);  // still in flight
  }

  // Synchronous file objects take turns, so the position each call reads is the one the
  // previous call left.
  std::unique_lock<std::mutex> serial;
  if (ref.file->synchronous) serial = std::unique_lock(ref.file->syncIoMutex);
  if (!offset.has_value()) offset = ref.fileObject()->currentByteOffset;

  std::optional<detail::SyncOperation> sync;
  if (overlapped == nullptr) sync.emplace();
  detail::IoOperation& op = overlapped != nullptr ? OverlappedAccess::Op(*overlapped) : sync->op;
  IoStackLocation* location = detail::StartRequest(op, ref.file, major);
  ReadWriteParameters& parameters = read ? location->parameters.read : location->parameters.write;
  parameters = ReadWriteParameters{length, 0, *offset, rwFlags};
  if (rwFlags & rw_flag::kNoCache) op.irp.flags |= irp_flag::kNoCache;
  detail::AttachDataBuffer(op, buffer, length, read);
  op.updatePosition = ref.file->synchronous && !(rwFlags & rw_flag::kAppend);
  op.offset = *offset;

  uint64_t information = 0;
  NtStatus status = detail::Issue(*ref.file, op, overlapped, routine, &information);
  if (status == NtStatus::Pending) return SetLastStatus(status);
  // A synchronous read at the end of file is a successful read of nothing.
  if (read && overlapped == nullptr && status == NtStatus::EndOfFile) {
    SetLastStatus(status);
    return true;
  }
  if (!NtSuccess(status)) return SetLastStatus(status);
  if (bytesTransferred != nullptr) *bytesTransferred = static_cast<uint32_t>(information);
  return true;
}

bool Client::ReadFile(Handle handle, void* buffer, uint32_t length, uint32_t* bytesRead,
                      Overlapped* overlapped) {
  return ReadWrite(handle, IrpMajor::Read, buffer, length, nullptr, bytesRead, overlapped, nullptr);
}

bool Client::WriteFile(Handle handle, const void* buffer, uint32_t length, uint32_t* bytesWritten,
                       Overlapped* overlapped) {
  return ReadWrite(handle, IrpMajor::Write, const_cast<void*>(buffer), length, nullptr,
                   bytesWritten, overlapped, nullptr);
}

bool Client::ReadFileAt(Handle handle, void* buffer, uint32_t length, uint64_t offset,
                        uint32_t* bytesRead) {
  return ReadWrite(handle, IrpMajor::Read, buffer, length, &offset, bytesRead, nullptr, nullptr);
}

bool Client::WriteFileAt(Handle handle, const void* buffer, uint32_t length, uint64_t offset,
                         uint32_t* bytesWritten) {
  return ReadWrite(handle, IrpMajor::Write, const_cast<void*>(buffer), length, &offset,
                   bytesWritten, nullptr, nullptr);
}

bool Client::ReadFileEx(Handle handle, void* buffer, uint32_t length, Overlapped* overlapped,
                        OverlappedCompletionRoutine routine) {
  if (overlapped == nullptr) return SetLastStatus(NtStatus::InvalidParameter);
  return ReadWrite(handle, IrpMajor::Read, buffer, length, nullptr, nullptr, overlapped, routine);
}

bool Client::WriteFileEx(Handle handle, const void* buffer, uint32_t length, Overlapped* overlapped,
                         OverlappedCompletionRoutine routine) {
  if (overlapped == nullptr) return SetLastStatus(NtStatus::InvalidParameter);
  return ReadWrite(handle, IrpMajor::Write, const_cast<void*>(buffer), length, nullptr, nullptr,
                   overlapped, routine);
}

bool Client::GetOverlappedResult(Handle handle, Overlapped* overlapped, uint32_t* bytesTransferred,
                                 bool wait) {
  if (bytesTransferred != nullptr) *bytesTransferred = 0;
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  if (overlapped == nullptr) return SetLastStatus(NtStatus::InvalidParameter);
  NtStatus status;
  uint64_t information = 0;
  if (!OverlappedAccess::TryResult(*overlapped, wait, &status, &information)) {
    SetLastErrorAndStatus(ERROR_IO_INCOMPLETE, NtStatus::Pending);
    return false;
  }
  if (bytesTransferred != nullptr) *bytesTransferred = static_cast<uint32_t>(information);
  if (!NtSuccess(status)) return SetLastStatus(status);
  return true;
}

bool Client::CancelIo(Handle handle) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  detail::CancelInFlight(*ref.file, detail::CurrentThreadId(), nullptr);
  return true;
}

bool Client::CancelIoEx(Handle handle, Overlapped* overlapped) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  if (detail::CancelInFlight(*ref.file, 0, overlapped) == 0) {
    SetLastErrorAndStatus(ERROR_NOT_FOUND, kStatusNotFound);
    return false;
  }
  return true;
}

bool Client::CancelSynchronousIo(pid_t threadId) {
  if (threadId == 0) return SetLastStatus(NtStatus::InvalidParameter);
  size_t found = 0;
  for (const auto& file : handles_->Files()) {
    found += detail::CancelInFlight(*file, threadId, nullptr);
  }
  if (found == 0) {
    SetLastErrorAndStatus(ERROR_NOT_FOUND, kStatusNotFound);
    return false;
  }
  return true;
}

bool Client::SetFilePointerEx(Handle handle, int64_t distance, uint64_t* newPosition,
                              uint32_t moveMethod) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  if (moveMethod > FILE_END) return SetLastStatus(NtStatus::InvalidParameter);
  int64_t base = 0;
  if (moveMethod == FILE_END) {
    FileStandardInfo standard;
    if (!QueryInformation(ref, FileInformationClass::FileStandardInformation, &standard,
                          sizeof(standard))) {
      return false;
    }
    base = static_cast<int64_t>(standard.endOfFile);
  }
  std::lock_guard serial(ref.file->syncIoMutex);
  FileObject* fileObject = ref.fileObject();
  if (moveMethod == FILE_CURRENT) base = static_cast<int64_t>(fileObject->currentByteOffset);
  int64_t target;
  if (__builtin_add_overflow(base, distance, &target)) {
    return SetLastStatus(NtStatus::InvalidParameter);
  }
  if (target < 0) return SetLastStatus(NtStatus::InvalidSeek);  // ERROR_NEGATIVE_SEEK
  fileObject->currentByteOffset = static_cast<uint64_t>(target);
  if (newPosition != nullptr) *newPosition = static_cast<uint64_t>(target);
  return true;
}

// ---- Byte-range locks: IRP_MJ_LOCK_CONTROL, owned by the file object as NT locks are.

bool Client::Lock(Handle handle, uint32_t flags, uint64_t offset, uint64_t length,
                  Overlapped* overlapped) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  if (flags & ~(LOCKFILE_FAIL_IMMEDIATELY | LOCKFILE_EXCLUSIVE_LOCK)) {
    return SetLastStatus(NtStatus::InvalidParameter);
  }
  if (offset > kMaxOffset) return SetLastStatus(NtStatus::InvalidParameter);
  if (!(ref.grantedAccess & (access::kReadData | access::kWriteData))) {
    return SetLastStatus(NtStatus::AccessDenied);
  }
  if (overlapped != nullptr && !OverlappedAccess::Claim(*overlapped)) {
    return SetLastStatus(NtStatus::InvalidParameter);
  }
  std::optional<detail::SyncOperation> sync;
  if (overlapped == nullptr) sync.emplace();
  detail::IoOperation& op = overlapped != nullptr ? OverlappedAccess::Op(*overlapped) : sync->op;
  IoStackLocation* location =
      detail::StartRequest(op, ref.file, IrpMajor::LockControl, minor::kLock);
  if (flags & LOCKFILE_FAIL_IMMEDIATELY) location->flags |= sl::kFailImmediately;
  if (flags & LOCKFILE_EXCLUSIVE_LOCK) location->flags |= sl::kExclusiveLock;
  location->parameters.lockControl = LockControlParameters{
      length, 0, offset, reinterpret_cast<uintptr_t>(ref.fileObject()), op.irp.requestor.pid};
  uint64_t information = 0;
  NtStatus status = detail::Issue(*ref.file, op, overlapped, nullptr, &information);
  if (!NtSuccess(status) || status == NtStatus::Pending) return SetLastStatus(status);
  return true;
}

bool Client::LockFileEx(Handle handle, uint32_t flags, uint64_t offset, uint64_t length) {
  return Lock(handle, flags, offset, length, nullptr);
}

bool Client::LockFileEx(Handle handle, uint32_t flags, uint64_t length, Overlapped* overlapped) {
  if (overlapped == nullptr) return SetLastStatus(NtStatus::InvalidParameter);
  return Lock(handle, flags, overlapped->offset, length, overlapped);
}

bool Client::UnlockFileEx(Handle handle, uint64_t offset, uint64_t length) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  if (offset > kMaxOffset) return SetLastStatus(NtStatus::InvalidParameter);
  detail::SyncOperation sync;
  IoStackLocation* location =
      detail::StartRequest(sync.op, ref.file, IrpMajor::LockControl, minor::kUnlockSingle);
  location->parameters.lockControl = LockControlParameters{
      length, 0, offset, reinterpret_cast<uintptr_t>(ref.fileObject()), sync.op.irp.requestor.pid};
  NtStatus status = detail::SendAndWait(sync.op);
  if (!NtSuccess(status)) return SetLastStatus(status);
  return true;
}

}  // namespace irpfs::inproc
