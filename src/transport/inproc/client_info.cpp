// Client: file and volume information, flush, and device control.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>

#include "transport/inproc/client.h"
#include "transport/inproc/create.h"
#include "transport/inproc/io_dispatch.h"
#include "transport/inproc/path.h"

namespace irpfs::inproc {

using detail::FileRef;
using detail::OverlappedAccess;

namespace {

// A query or set of the file position takes the lock synchronous I/O moves the position
// under (NT's file object lock), so that it never meets a ReadFile or WriteFile halfway.
std::unique_lock<std::mutex> LockPositionFor(const FileRef& ref,
                                             FileInformationClass informationClass) {
  if (informationClass != FileInformationClass::FilePositionInformation) return {};
  return std::unique_lock(ref.file->syncIoMutex);
}

// The access a handle needs for a set-information class (as NtSetInformationFile checks).
uint32_t AccessForSet(FileInformationClass informationClass, const void* buffer) {
  switch (informationClass) {
    case FileInformationClass::FileBasicInformation:
      return access::kWriteAttributes;
    case FileInformationClass::FileDispositionInformation:
    case FileInformationClass::FileDispositionInformationEx:
    case FileInformationClass::FileRenameInformation:
    case FileInformationClass::FileRenameInformationEx:
      return access::kDelete;
    case FileInformationClass::FileEndOfFileInformation:
    case FileInformationClass::FileAllocationInformation:
    case FileInformationClass::FileAllocateRangeInformation:
      return access::kWriteData;
    case FileInformationClass::FilePosixInformation: {
      const auto* posix = static_cast<const FilePosixInfo*>(buffer);
      uint32_t needed = 0;
      if (posix->valid & posix_valid::kSize) needed |= access::kWriteData;
      if (posix->valid & ~posix_valid::kSize) needed |= access::kWriteAttributes;
      return needed;
    }
    default:
      return 0;
  }
}

// The access bits of a control code (FILE_READ_ACCESS = 1, FILE_WRITE_ACCESS = 2).
uint32_t AccessForControlCode(uint32_t code) {
  uint32_t bits = (code >> 14) & 3;
  uint32_t needed = 0;
  if (bits & 1) needed |= access::kReadData;
  if (bits & 2) needed |= access::kWriteData;
  return needed;
}

// Information requests always travel in a system buffer, whatever the device's method,
// with the caller's bytes copied in (some classes carry input) and the result copied out.
std::byte* AttachInformationBuffer(detail::IoOperation& op, const void* caller, uint32_t length,
                                   bool output) {
  std::byte* system = detail::SystemBuffer(op, length);
  std::memcpy(system, caller, length);
  op.irp.bufferMethod = BufferMethod::Buffered;
  op.irp.systemBuffer = system;
  op.irp.flags |= irp_flag::kBufferAllocated;
  if (output) op.irp.flags |= irp_flag::kInputOperation;
  return system;
}

// Win32 fails a call whose status is a warning (STATUS_BUFFER_OVERFLOW -> ERROR_MORE_DATA)
// even though the data up to the buffer's end was copied.
bool Result(NtStatus status) {
  if (!NtSuccess(status)) return SetLastStatus(status);
  return true;
}

}  // namespace

bool Client::QueryInformation(const FileRef& ref, FileInformationClass informationClass,
                              void* buffer, uint32_t length) {
  if (buffer == nullptr || length == 0) return SetLastStatus(NtStatus::InvalidParameter);
  detail::SyncOperation sync;
  IoStackLocation* location = detail::StartRequest(sync.op, ref.file, IrpMajor::QueryInformation);
  location->parameters.queryFile = QueryInformationParameters{length, informationClass};
  std::byte* system = AttachInformationBuffer(sync.op, buffer, length, true);
  std::unique_lock<std::mutex> serial = LockPositionFor(ref, informationClass);
  NtStatus status = detail::SendAndWait(sync.op);
  if (serial.owns_lock()) serial.unlock();
  if (!NtError(status)) std::memcpy(buffer, system, length);
  return Result(status);
}

bool Client::SetInformation(const FileRef& ref, FileInformationClass informationClass,
                            const void* buffer, uint32_t length) {
  if (buffer == nullptr || length == 0) return SetLastStatus(NtStatus::InvalidParameter);
  uint32_t needed = AccessForSet(informationClass, buffer);
  if ((ref.grantedAccess & needed) != needed) return SetLastStatus(NtStatus::AccessDenied);
  detail::SyncOperation sync;
  IoStackLocation* location = detail::StartRequest(sync.op, ref.file, IrpMajor::SetInformation);
  location->parameters.setFile = SetInformationParameters{length, informationClass};
  AttachInformationBuffer(sync.op, buffer, length, false);
  std::unique_lock<std::mutex> serial = LockPositionFor(ref, informationClass);
  NtStatus status = detail::SendAndWait(sync.op);
  if (serial.owns_lock()) serial.unlock();
  bool rename = informationClass == FileInformationClass::FileRenameInformation ||
                informationClass == FileInformationClass::FileRenameInformationEx;
  if (rename && status == NtStatus::ObjectNameCollision) {
    // Win32 reports a taken target name as ERROR_ALREADY_EXISTS (the status table's
    // ERROR_FILE_EXISTS is CreateFile's own translation).
    SetLastErrorAndStatus(ERROR_ALREADY_EXISTS, status);
    return false;
  }
  return Result(status);
}

bool Client::QueryVolume(const FileRef& ref, FsInformationClass informationClass, void* buffer,
                         uint32_t length) {
  detail::SyncOperation sync;
  IoStackLocation* location =
      detail::StartRequest(sync.op, ref.file, IrpMajor::QueryVolumeInformation);
  location->parameters.queryVolume = QueryVolumeParameters{length, informationClass};
  std::byte* system = AttachInformationBuffer(sync.op, buffer, length, true);
  NtStatus status = detail::SendAndWait(sync.op);
  if (!NtError(status)) std::memcpy(buffer, system, length);
  return Result(status);
}

bool Client::GetFileInformationByHandle(Handle handle, FileStat* stat) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  return QueryInformation(ref, FileInformationClass::FileStatInformation, stat, sizeof(*stat));
}

bool Client::GetFileInformationByHandleEx(Handle handle, FileInformationClass informationClass,
                                          void* buffer, uint32_t length) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  return QueryInformation(ref, informationClass, buffer, length);
}

bool Client::GetFileSizeEx(Handle handle, uint64_t* size) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  if (size == nullptr) return SetLastStatus(NtStatus::InvalidParameter);
  FileStandardInfo standard;
  if (!QueryInformation(ref, FileInformationClass::FileStandardInformation, &standard,
                        sizeof(standard))) {
    return false;
  }
  *size = standard.endOfFile;
  return true;
}

bool Client::SetFileInformationByHandle(Handle handle, FileInformationClass informationClass,
                                        const void* buffer, uint32_t length) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  return SetInformation(ref, informationClass, buffer, length);
}

bool Client::SetFileBasicInfo(Handle handle, const FileBasicInfo& info) {
  return SetFileInformationByHandle(handle, FileInformationClass::FileBasicInformation, &info,
                                    sizeof(info));
}

bool Client::SetFileSize(Handle handle, uint64_t endOfFile) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  if (endOfFile > static_cast<uint64_t>(INT64_MAX)) {
    return SetLastStatus(NtStatus::InvalidParameter);
  }
  FileEndOfFileInfo info{endOfFile};
  return SetInformation(ref, FileInformationClass::FileEndOfFileInformation, &info, sizeof(info));
}

bool Client::SetEndOfFile(Handle handle) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  uint64_t position;
  {
    std::lock_guard serial(ref.file->syncIoMutex);
    position = ref.fileObject()->currentByteOffset;
  }
  FileEndOfFileInfo info{position};
  return SetInformation(ref, FileInformationClass::FileEndOfFileInformation, &info, sizeof(info));
}

bool Client::SetFileDisposition(Handle handle, bool deleteFile) {
  FileDispositionInfo info{deleteFile ? disposition_flag::kDelete : disposition_flag::kDoNotDelete};
  return SetFileInformationByHandle(handle, FileInformationClass::FileDispositionInformation, &info,
                                    sizeof(info));
}

bool Client::SetFileRename(Handle handle, std::string_view newPath, bool replaceIfExists) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  std::string target;
  NtStatus status = detail::NormalizePath(newPath, &target);
  if (!NtSuccess(status)) return SetLastStatus(status);
  FileRenameInfo info;
  info.flags = replaceIfExists ? rename_flag::kReplaceIfExists : 0;
  info.fileName = target;
  return SetInformation(ref, FileInformationClass::FileRenameInformation, &info, sizeof(info));
}

bool Client::SetFilePosixInfo(Handle handle, const FilePosixInfo& info) {
  return SetFileInformationByHandle(handle, FileInformationClass::FilePosixInformation, &info,
                                    sizeof(info));
}

bool Client::FlushFileBuffers(Handle handle) {
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  if (!(ref.grantedAccess & (access::kWriteData | access::kAppendData))) {
    return SetLastStatus(NtStatus::AccessDenied);
  }
  detail::SyncOperation sync;
  detail::StartRequest(sync.op, ref.file, IrpMajor::FlushBuffers);
  return Result(detail::SendAndWait(sync.op));
}

bool Client::DeviceIoControl(Handle handle, uint32_t ioControlCode, const void* input,
                             uint32_t inputLength, void* output, uint32_t outputLength,
                             uint32_t* bytesReturned, Overlapped* overlapped) {
  if (bytesReturned != nullptr) *bytesReturned = 0;
  FileRef ref;
  if (!Reference(handle, &ref)) return false;
  if ((input == nullptr && inputLength > 0) || (output == nullptr && outputLength > 0)) {
    return SetLastStatus(NtStatus::InvalidParameter);
  }
  uint32_t needed = AccessForControlCode(ioControlCode);
  if ((ref.grantedAccess & needed) != needed) return SetLastStatus(NtStatus::AccessDenied);
  if (overlapped != nullptr && !OverlappedAccess::Claim(*overlapped)) {
    return SetLastStatus(NtStatus::InvalidParameter);
  }

  std::optional<detail::SyncOperation> sync;
  if (overlapped == nullptr) sync.emplace();
  detail::IoOperation& op = overlapped != nullptr ? OverlappedAccess::Op(*overlapped) : sync->op;
  IoStackLocation* location = detail::StartRequest(op, ref.file, IrpMajor::DeviceControl);
  // The in-process transport always passes the caller's input pointer too (irp.h).
  location->parameters.deviceIoControl =
      DeviceIoControlParameters{outputLength, inputLength, ioControlCode, input};
  Irp& irp = op.irp;
  switch (ioControlCode & 3) {
    case METHOD_BUFFERED: {
      // One system buffer: input copied in, output copied back (information bytes).
      size_t size = std::max(inputLength, outputLength);
      std::byte* system = size > 0 ? detail::SystemBuffer(op, size) : nullptr;
      if (inputLength > 0) std::memcpy(system, input, inputLength);
      irp.bufferMethod = BufferMethod::Buffered;
      irp.systemBuffer = system;
      irp.flags |= irp_flag::kBufferAllocated;
      if (outputLength > 0) {
        irp.flags |= irp_flag::kInputOperation;
        op.copyBackTo = output;
        op.copyBackFrom = system;
        op.copyBackLimit = outputLength;
      }
      break;
    }
    case METHOD_IN_DIRECT:
    case METHOD_OUT_DIRECT: {
      // Input in a system buffer, output through an Mdl over the caller's memory.
      std::byte* system = inputLength > 0 ? detail::SystemBuffer(op, inputLength) : nullptr;
      if (inputLength > 0) std::memcpy(system, input, inputLength);
      irp.systemBuffer = system;
      irp.bufferMethod = BufferMethod::Direct;
      op.mdl = Mdl{static_cast<std::byte*>(output), outputLength};
      irp.mdlAddress = outputLength > 0 ? &op.mdl : nullptr;
      break;
    }
    default:
      irp.bufferMethod = BufferMethod::Neither;
      irp.userBuffer = output;
      break;
  }
  uint64_t information = 0;
  NtStatus status = detail::Issue(*ref.file, op, overlapped, nullptr, &information);
  if (status == NtStatus::Pending) return SetLastStatus(status);
  if (bytesReturned != nullptr && !NtError(status)) {
    *bytesReturned = static_cast<uint32_t>(std::min<uint64_t>(information, outputLength));
  }
  return Result(status);
}

bool Client::GetVolumeInformation(VolumeInformation* info) {
  if (info == nullptr) return SetLastStatus(NtStatus::InvalidParameter);
  detail::ScopedOpen root;
  if (!root.Open(volumeDevice_, "/", access::kReadAttributes | access::kSynchronize, share::kAll,
                 0)) {
    return false;
  }
  FileRef ref;
  root.Reference(&ref);
  FsVolumeInfo volume;
  FsAttributeInfo attributes;
  if (!QueryVolume(ref, FsInformationClass::FileFsVolumeInformation, &volume, sizeof(volume)) ||
      !QueryVolume(ref, FsInformationClass::FileFsAttributeInformation, &attributes,
                   sizeof(attributes))) {
    return false;
  }
  info->volumeName.assign(volume.label, strnlen(volume.label, sizeof(volume.label)));
  info->serialNumber = volume.serialNumber;
  info->maximumComponentLength = attributes.maximumComponentNameLength;
  info->fileSystemFlags = attributes.attributes;
  info->fileSystemName.assign(
      attributes.fileSystemName,
      strnlen(attributes.fileSystemName, sizeof(attributes.fileSystemName)));
  return true;
}

bool Client::GetDiskFreeSpaceEx(std::string_view path, uint64_t* freeBytesAvailableToCaller,
                                uint64_t* totalBytes, uint64_t* totalFreeBytes) {
  detail::ScopedOpen open;
  if (!open.Open(volumeDevice_, path, access::kReadAttributes | access::kSynchronize, share::kAll,
                 0)) {
    return false;
  }
  FileRef ref;
  open.Reference(&ref);
  FsFullSizeInfo size;
  if (!QueryVolume(ref, FsInformationClass::FileFsFullSizeInformation, &size, sizeof(size))) {
    return false;
  }
  uint64_t unit = uint64_t{size.sectorsPerAllocationUnit} * size.bytesPerSector;
  if (freeBytesAvailableToCaller != nullptr) {
    *freeBytesAvailableToCaller = size.callerAvailableAllocationUnits * unit;
  }
  if (totalBytes != nullptr) *totalBytes = size.totalAllocationUnits * unit;
  if (totalFreeBytes != nullptr) *totalFreeBytes = size.actualAvailableAllocationUnits * unit;
  return true;
}

}  // namespace irpfs::inproc
