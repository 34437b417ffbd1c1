#include "fsclass/fs_class_driver.h"

#include "core/io_manager.h"
#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

NtStatus FsClassDriverEntry(DriverObject* driver, std::string_view) {
  auto set = [driver](IrpMajor major, DispatchRoutine routine) {
    driver->majorFunction[static_cast<size_t>(major)] = routine;
  };
  set(IrpMajor::Create, DispatchCreate);
  set(IrpMajor::QueryOpen, DispatchQueryOpen);
  set(IrpMajor::Cleanup, DispatchCleanup);
  set(IrpMajor::Close, DispatchClose);
  set(IrpMajor::Read, DispatchRead);
  set(IrpMajor::Write, DispatchWrite);
  set(IrpMajor::QueryInformation, DispatchQueryInformation);
  set(IrpMajor::SetInformation, DispatchSetInformation);
  set(IrpMajor::DirectoryControl, DispatchDirectoryControl);
  set(IrpMajor::QueryVolumeInformation, DispatchQueryVolumeInformation);
  set(IrpMajor::QueryEa, DispatchQueryEa);
  set(IrpMajor::SetEa, DispatchSetEa);
  set(IrpMajor::FlushBuffers, DispatchFlushBuffers);
  set(IrpMajor::LockControl, DispatchLockControl);
  set(IrpMajor::DeviceControl, DispatchDeviceControl);
  set(IrpMajor::FileSystemControl, DispatchFileSystemControl);
  return NtStatus::Success;
}

NtStatus FsCreateVolume(DriverObject* driver, std::shared_ptr<MiniFileSystem> mini,
                        const VolumeOptions& options, DeviceObject** volume) {
  *volume = nullptr;
  if (driver == nullptr || mini == nullptr) return NtStatus::InvalidParameter;
  DeviceObject* device = nullptr;
  NtStatus s =
      IoCreateDevice(driver, DeviceType::DiskFileSystem, options.name, do_flag::kDirectIo, &device);
  if (!NtSuccess(s)) return s;
  auto& context = device->CreateExtension<VolumeContext>(std::move(mini), options);
  s = context.Mount();
  if (!NtSuccess(s)) {
    IoDeleteDevice(device);
    return s;
  }
  device->flags &= ~do_flag::kDeviceInitializing;
  *volume = device;
  return NtStatus::Success;
}

void FsDeleteVolume(DeviceObject* volume) {
  if (volume) IoDeleteDevice(volume);
}

MiniFileSystem* FsGetMiniFileSystem(DeviceObject* volume) {
  VolumeContext* context = VolumeOf(volume);
  return context ? &context->mini() : nullptr;
}

}  // namespace irpfs::fsclass
