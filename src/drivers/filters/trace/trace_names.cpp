#include "drivers/filters/trace/trace_names.h"

#include "core/fs_info.h"
#include "core/irp_codes.h"

namespace irpfs::trace {

std::string_view FileInformationClassName(uint32_t infoClass) {
  using C = FileInformationClass;
  switch (static_cast<C>(infoClass)) {
    case C::FileDirectoryInformation:
      return "FileDirectoryInformation";
    case C::FileBasicInformation:
      return "FileBasicInformation";
    case C::FileStandardInformation:
      return "FileStandardInformation";
    case C::FileInternalInformation:
      return "FileInternalInformation";
    case C::FileNameInformation:
      return "FileNameInformation";
    case C::FileRenameInformation:
      return "FileRenameInformation";
    case C::FileLinkInformation:
      return "FileLinkInformation";
    case C::FileDispositionInformation:
      return "FileDispositionInformation";
    case C::FilePositionInformation:
      return "FilePositionInformation";
    case C::FileAllocationInformation:
      return "FileAllocationInformation";
    case C::FileEndOfFileInformation:
      return "FileEndOfFileInformation";
    case C::FileDispositionInformationEx:
      return "FileDispositionInformationEx";
    case C::FileRenameInformationEx:
      return "FileRenameInformationEx";
    case C::FileStatInformation:
      return "FileStatInformation";
    case C::FilePosixInformation:
      return "FilePosixInformation";
    case C::FileBackingDescriptorInformation:
      return "FileBackingDescriptorInformation";
    case C::FileSymlinkInformation:
      return "FileSymlinkInformation";
    case C::FileAllocateRangeInformation:
      return "FileAllocateRangeInformation";
    case C::FileSeekDataInformation:
      return "FileSeekDataInformation";
    case C::FileFullDirectoryInformation:
      return "FileFullDirectoryInformation";
  }
  return "";
}

std::string_view FsInformationClassName(uint32_t infoClass) {
  using C = FsInformationClass;
  switch (static_cast<C>(infoClass)) {
    case C::FileFsVolumeInformation:
      return "FileFsVolumeInformation";
    case C::FileFsSizeInformation:
      return "FileFsSizeInformation";
    case C::FileFsDeviceInformation:
      return "FileFsDeviceInformation";
    case C::FileFsAttributeInformation:
      return "FileFsAttributeInformation";
    case C::FileFsFullSizeInformation:
      return "FileFsFullSizeInformation";
  }
  return "";
}

std::string_view CreateDispositionName(uint32_t disposition) {
  using D = CreateDisposition;
  switch (static_cast<D>(disposition)) {
    case D::Supersede:
      return "FILE_SUPERSEDE";
    case D::Open:
      return "FILE_OPEN";
    case D::Create:
      return "FILE_CREATE";
    case D::OpenIf:
      return "FILE_OPEN_IF";
    case D::Overwrite:
      return "FILE_OVERWRITE";
    case D::OverwriteIf:
      return "FILE_OVERWRITE_IF";
  }
  return "";
}

std::string_view CreateActionName(uint64_t action) {
  using A = CreateAction;
  if (action > static_cast<uint64_t>(A::DoesNotExist)) return "";
  switch (static_cast<A>(action)) {
    case A::Superseded:
      return "FILE_SUPERSEDED";
    case A::Opened:
      return "FILE_OPENED";
    case A::Created:
      return "FILE_CREATED";
    case A::Overwritten:
      return "FILE_OVERWRITTEN";
    case A::Exists:
      return "FILE_EXISTS";
    case A::DoesNotExist:
      return "FILE_DOES_NOT_EXIST";
  }
  return "";
}

}  // namespace irpfs::trace
