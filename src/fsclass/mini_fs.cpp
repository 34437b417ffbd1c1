// Default callbacks: a mini file system overrides only what it supports; everything else
// answers STATUS_INVALID_DEVICE_REQUEST, which the transports turn into ENOSYS.
#include "fsclass/mini_fs.h"

#include <cstring>

namespace irpfs::fsclass {

namespace {
constexpr NtStatus kUnsupported = NtStatus::InvalidDeviceRequest;

void CopyName(char* dst, size_t capacity, std::string_view src) {
  size_t n = src.size() < capacity - 1 ? src.size() : capacity - 1;
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}
}  // namespace

NtStatus MiniFileSystem::GetVolumeInformation(FsVolumeInfo* volume, FsAttributeInfo* attributes) {
  if (volume) {
    volume->serialNumber = 0;
    CopyName(volume->label, sizeof volume->label, "irpfs");
  }
  if (attributes) {
    attributes->attributes = fs_attribute::kCaseSensitiveSearch | fs_attribute::kCasePreservedNames;
    attributes->maximumComponentNameLength = 255;
    CopyName(attributes->fileSystemName, sizeof attributes->fileSystemName, "irpfs");
  }
  return NtStatus::Success;
}

// A file system that does not count its space reports none (statfs shows 0 blocks),
// which is true for synthetic file systems such as examples/hello.
NtStatus MiniFileSystem::GetDiskFreeSpace(FsFullSizeInfo* size) {
  *size = FsFullSizeInfo{};
  return NtStatus::Success;
}

NtStatus MiniFileSystem::Lookup(const OperationContext&, NodeRef, std::string_view, NodeRef*) {
  return kUnsupported;
}
void MiniFileSystem::Forget(NodeRef) {}
NtStatus MiniFileSystem::Create(const OperationContext&, NodeRef, std::string_view,
                                const NewNodeSpec&, NodeRef*) {
  return kUnsupported;
}
NtStatus MiniFileSystem::Remove(const OperationContext&, NodeRef, std::string_view) {
  return kUnsupported;
}
NtStatus MiniFileSystem::CanRemove(const OperationContext&, NodeRef, std::string_view, NodeRef) {
  return NtStatus::Success;
}
NtStatus MiniFileSystem::Move(const OperationContext&, NodeRef, std::string_view, NodeRef,
                              std::string_view, uint32_t) {
  return kUnsupported;
}
NtStatus MiniFileSystem::Link(const OperationContext&, NodeRef, NodeRef, std::string_view) {
  return kUnsupported;
}
NtStatus MiniFileSystem::ReadLink(const OperationContext&, NodeRef, char*, uint32_t, uint32_t*) {
  return kUnsupported;
}

NtStatus MiniFileSystem::Open(const OperationContext&, NodeRef, uint32_t, uint32_t,
                              void** openContext) {
  *openContext = nullptr;
  return NtStatus::Success;
}
void MiniFileSystem::Cleanup(const OperationContext&, NodeRef, void*) {}
void MiniFileSystem::Close(NodeRef, void*) {}

NtStatus MiniFileSystem::GetBackingDescriptor(const OperationContext&, NodeRef, void*, int* fd) {
  *fd = -1;
  return kUnsupported;
}
NtStatus MiniFileSystem::Read(const OperationContext&, NodeRef, void*, void*, uint32_t, uint64_t,
                              uint32_t*) {
  return kUnsupported;
}
NtStatus MiniFileSystem::Write(const OperationContext&, NodeRef, void*, const void*, uint32_t,
                               uint64_t, bool, uint32_t*, uint64_t*) {
  return kUnsupported;
}
NtStatus MiniFileSystem::Flush(const OperationContext&, NodeRef, void*, bool) {
  return kUnsupported;
}

NtStatus MiniFileSystem::GetFileInformation(const OperationContext&, NodeRef, FileStat*) {
  return kUnsupported;
}
NtStatus MiniFileSystem::SetFileInformation(const OperationContext&, NodeRef, void*,
                                            const FilePosixInfo&) {
  return kUnsupported;
}
NtStatus MiniFileSystem::SetBasicInformation(const OperationContext&, NodeRef,
                                             const FileBasicInfo&) {
  return kUnsupported;
}
NtStatus MiniFileSystem::Allocate(const OperationContext&, NodeRef, void*, uint64_t, uint64_t,
                                  uint32_t) {
  return kUnsupported;
}
NtStatus MiniFileSystem::SeekData(const OperationContext&, NodeRef, uint32_t, uint64_t*) {
  return kUnsupported;
}

NtStatus MiniFileSystem::FindFiles(const OperationContext&, NodeRef, void*, uint64_t,
                                   DirectoryFiller&) {
  return kUnsupported;
}

NtStatus MiniFileSystem::GetEa(const OperationContext&, NodeRef, std::string_view, void*, uint32_t,
                               uint32_t*) {
  return kUnsupported;
}
NtStatus MiniFileSystem::ListEa(const OperationContext&, NodeRef, char*, uint32_t, uint32_t*) {
  return kUnsupported;
}
NtStatus MiniFileSystem::SetEa(const OperationContext&, NodeRef, std::string_view, const void*,
                               uint32_t, uint32_t) {
  return kUnsupported;
}

NtStatus MiniFileSystem::Lock(const OperationContext&, NodeRef, void*, const LockRequest&,
                              LockConflictInfo*) {
  return kUnsupported;
}

NtStatus MiniFileSystem::CopyRange(const OperationContext&, NodeRef, void*, uint64_t, NodeRef,
                                   void*, uint64_t, uint64_t, uint64_t* copied) {
  *copied = 0;
  return kUnsupported;
}

NtStatus MiniFileSystem::DeviceControl(const OperationContext&, NodeRef, void*, uint32_t,
                                       const void*, uint32_t, void*, uint32_t, uint32_t*) {
  return kUnsupported;
}

}  // namespace irpfs::fsclass
