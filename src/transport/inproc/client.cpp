// Client: construction, handles, and the name operations built from an open.
#include "transport/inproc/client.h"

#include "transport/inproc/create.h"
#include "transport/inproc/find_state.h"
#include "transport/inproc/handle_table.h"
#include "transport/inproc/io_dispatch.h"
#include "transport/inproc/path.h"

namespace irpfs::inproc {

using detail::FileRef;
using detail::HandleEntry;
using detail::HandleKind;

namespace {

void CloseEntry(HandleEntry& entry) {
  if (entry.kind == HandleKind::File) ObCloseHandle(entry.file->fileObject);
  // A find entry's directory open goes with the last owner of its FindState.
  entry = HandleEntry{};
}

struct RenameArgument {
  std::string_view target;
  bool replace;
};

}  // namespace

Client::Client(DeviceObject* volumeDevice)
    : volumeDevice_(volumeDevice), handles_(std::make_unique<detail::HandleTable>()) {}

Client::~Client() {
  for (HandleEntry& entry : handles_->RemoveAll()) CloseEntry(entry);
}

size_t Client::HandleCount() const {
  return handles_->Count();
}

bool Client::Reference(Handle handle, FileRef* ref) {
  if (!handles_->ReferenceFile(handle, &ref->file, &ref->grantedAccess)) {
    return SetLastStatus(NtStatus::InvalidHandle);
  }
  return true;
}

bool Client::CloseHandle(Handle handle) {
  HandleEntry entry;
  if (!handles_->Remove(handle, &entry)) return SetLastStatus(NtStatus::InvalidHandle);
  CloseEntry(entry);
  return true;
}

bool Client::DuplicateHandle(Handle source, Handle* target, uint32_t desiredAccess,
                             uint32_t options) {
  if (target == nullptr) return SetLastStatus(NtStatus::InvalidParameter);
  *target = kInvalidHandleValue;
  FileRef ref;
  if (!Reference(source, &ref)) return false;
  uint32_t access = ref.grantedAccess;
  if (!(options & DUPLICATE_SAME_ACCESS)) {
    access = access::MapGeneric(desiredAccess);
    if (access & ~ref.grantedAccess) return SetLastStatus(NtStatus::AccessDenied);
  }
  ObOpenHandle(ref.fileObject());
  Handle duplicate = handles_->InsertFile(ref.file, access);
  if (duplicate == kInvalidHandleValue) {
    ObCloseHandle(ref.fileObject());
    return SetLastStatus(NtStatus::TooManyOpenedFiles);
  }
  *target = duplicate;
  if (options & DUPLICATE_CLOSE_SOURCE) CloseHandle(source);
  return true;
}

// ---- Names: DeleteFile, RemoveDirectory and MoveFileEx open the file, change its name
// through SetInformation, and close, as kernel32 does. The removal itself happens at
// IRP_MJ_CLEANUP of the last handle, so another open keeps the file (delete pending).

bool Client::OpenForNameChange(std::string_view path, uint32_t createOptions,
                               bool (Client::*step)(const FileRef&, const void*),
                               const void* argument) {
  detail::ScopedOpen open;
  if (!open.Open(volumeDevice_, path,
                 access::kDelete | access::kSynchronize | access::kReadAttributes, share::kAll,
                 createOptions | create_option::kOpenReparsePoint)) {
    return false;
  }
  FileRef ref;
  open.Reference(&ref);
  return (this->*step)(ref, argument);
}

bool Client::DeleteStep(const FileRef& ref, const void*) {
  FileDispositionInfo info{disposition_flag::kDelete};
  return SetInformation(ref, FileInformationClass::FileDispositionInformation, &info, sizeof(info));
}

bool Client::RenameStep(const FileRef& ref, const void* argument) {
  const auto* rename = static_cast<const RenameArgument*>(argument);
  std::string target;
  NtStatus status = detail::NormalizePath(rename->target, &target);
  if (!NtSuccess(status)) return SetLastStatus(status);
  FileRenameInfo info;
  info.flags = rename->replace ? rename_flag::kReplaceIfExists : 0;
  info.rootDirectory = nullptr;
  info.fileName = target;
  return SetInformation(ref, FileInformationClass::FileRenameInformation, &info, sizeof(info));
}

bool Client::DeleteFile(std::string_view path) {
  return OpenForNameChange(path, create_option::kNonDirectoryFile, &Client::DeleteStep, nullptr);
}

bool Client::RemoveDirectory(std::string_view path) {
  return OpenForNameChange(path, create_option::kDirectoryFile, &Client::DeleteStep, nullptr);
}

bool Client::MoveFileEx(std::string_view from, std::string_view to, uint32_t flags) {
  if (flags & ~MOVEFILE_REPLACE_EXISTING) return SetLastStatus(NtStatus::InvalidParameter);
  // Validate the target before the source is even opened: a bad name changes nothing.
  std::string target;
  NtStatus status = detail::NormalizePath(to, &target);
  if (!NtSuccess(status)) return SetLastStatus(status);
  RenameArgument argument{target, (flags & MOVEFILE_REPLACE_EXISTING) != 0};
  return OpenForNameChange(from, 0, &Client::RenameStep, &argument);
}

}  // namespace irpfs::inproc
