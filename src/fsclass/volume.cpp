// IRP_MJ_QUERY_VOLUME_INFORMATION: needs no file object (statfs on a volume).
#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

namespace {

template <class T>
T* InfoBuffer(Irp* irp, uint32_t length) {
  if (length < sizeof(T)) return nullptr;
  return static_cast<T*>(IoGetIrpBuffer(irp));
}

NtStatus QueryVolume(VolumeContext& volume, Irp* irp, const QueryVolumeParameters& p,
                     uint64_t* info) {
  MiniFileSystem& mini = volume.mini();
  switch (p.fsInformationClass) {
    case FsInformationClass::FileFsVolumeInformation: {
      auto* out = InfoBuffer<FsVolumeInfo>(irp, p.length);
      if (out == nullptr) return NtStatus::InfoLengthMismatch;
      FsAttributeInfo unused;
      *out = FsVolumeInfo{};
      NtStatus s = Guarded([&] { return mini.GetVolumeInformation(out, &unused); });
      if (NtSuccess(s)) *info = sizeof(FsVolumeInfo);
      return s;
    }
    case FsInformationClass::FileFsSizeInformation:
    case FsInformationClass::FileFsFullSizeInformation: {
      auto* out = InfoBuffer<FsFullSizeInfo>(irp, p.length);
      if (out == nullptr) return NtStatus::InfoLengthMismatch;
      *out = FsFullSizeInfo{};
      NtStatus s = Guarded([&] { return mini.GetDiskFreeSpace(out); });
      if (NtSuccess(s)) *info = sizeof(FsFullSizeInfo);
      return s;
    }
    case FsInformationClass::FileFsAttributeInformation: {
      auto* out = InfoBuffer<FsAttributeInfo>(irp, p.length);
      if (out == nullptr) return NtStatus::InfoLengthMismatch;
      FsVolumeInfo unused;
      *out = FsAttributeInfo{};
      NtStatus s = Guarded([&] { return mini.GetVolumeInformation(&unused, out); });
      if (!NtSuccess(s)) return s;
      if (volume.options().readOnly) out->attributes |= fs_attribute::kReadOnlyVolume;
      *info = sizeof(FsAttributeInfo);
      return NtStatus::Success;
    }
    default:
      return NtStatus::InvalidInfoClass;
  }
}

}  // namespace

NtStatus DispatchQueryVolumeInformation(DeviceObject* device, Irp* irp) {
  VolumeContext* volume = VolumeOf(device);
  if (volume == nullptr) return IoCompleteWith(irp, NtStatus::InvalidDeviceRequest);
  if (IoGetIrpBuffer(irp) == nullptr) return IoCompleteWith(irp, NtStatus::InvalidUserBuffer);
  uint64_t info = 0;
  NtStatus s =
      QueryVolume(*volume, irp, IoGetCurrentIrpStackLocation(irp)->parameters.queryVolume, &info);
  return IoCompleteWith(irp, s, info);
}

}  // namespace irpfs::fsclass
