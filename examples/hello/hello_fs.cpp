#include "hello_fs.h"

#include <sys/stat.h>

#include <cstring>
#include <memory>

#include "fsclass/fs_class_driver.h"

namespace irpfs::hello {

constexpr uint64_t kRootId = 1;  // const at namespace scope: internal linkage
constexpr uint64_t kFileId = 2;

fsclass::NodeRef HelloFileSystem::Root() {
  return {kRootId, nullptr};
}

NtStatus HelloFileSystem::Lookup(const fsclass::OperationContext&, fsclass::NodeRef dir,
                                 std::string_view name, fsclass::NodeRef* out) {
  if (dir.fileId != kRootId) return NtStatus::NotADirectory;
  if (name != kFileName) return NtStatus::ObjectNameNotFound;
  *out = {kFileId, nullptr};
  return NtStatus::Success;
}

NtStatus HelloFileSystem::GetFileInformation(const fsclass::OperationContext&,
                                             fsclass::NodeRef node, FileStat* stat) {
  *stat = FileStat{};
  stat->fileId = node.fileId;
  bool root = node.fileId == kRootId;
  stat->mode = root ? (S_IFDIR | 0555) : (S_IFREG | 0444);
  stat->nlink = root ? 2 : 1;
  stat->size = root ? 0 : kContent.size();
  stat->attributes =
      file_attribute::kReadonly | (root ? file_attribute::kDirectory : file_attribute::kNormal);
  return NtStatus::Success;
}

NtStatus HelloFileSystem::Read(const fsclass::OperationContext&, fsclass::NodeRef, void*,
                               void* buffer, uint32_t length, uint64_t offset,
                               uint32_t* bytesRead) {
  uint64_t start = offset < kContent.size() ? offset : kContent.size();
  uint64_t count = kContent.size() - start < length ? kContent.size() - start : length;
  std::memcpy(buffer, kContent.data() + start, count);
  *bytesRead = static_cast<uint32_t>(count);
  return NtStatus::Success;
}

NtStatus HelloFileSystem::FindFiles(const fsclass::OperationContext& ctx, fsclass::NodeRef dir,
                                    void* openContext, uint64_t afterCookie,
                                    fsclass::DirectoryFiller& filler) {
  if (afterCookie >= 1) return NtStatus::Success;  // one entry, cookie 1
  FileStat stat;
  GetFileInformation(ctx, {kFileId, nullptr}, &stat);
  filler.Add(kFileName, 1, stat);
  return NtStatus::Success;
}

NtStatus HelloDriverEntry(DriverObject* driver, std::string_view parameters) {
  NtStatus s = fsclass::FsClassDriverEntry(driver, parameters);
  if (!NtSuccess(s)) return s;
  DeviceObject* volume = nullptr;
  return fsclass::FsCreateVolume(driver, std::make_shared<HelloFileSystem>(),
                                 fsclass::VolumeOptions{.name = "hello", .readOnly = true},
                                 &volume);
}

}  // namespace irpfs::hello
