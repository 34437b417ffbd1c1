// The device extension of a volume device: the mini file system it serves, its options,
// the FCB table and the root FCB.
#pragma once

#include <memory>

#include "core/device.h"
#include "fsclass/fcb.h"
#include "fsclass/fs_class_driver.h"
#include "fsclass/mini_fs.h"

namespace irpfs::fsclass {

class VolumeContext {
 public:
  VolumeContext(std::shared_ptr<MiniFileSystem> mini, VolumeOptions options);
  VolumeContext(const VolumeContext&) = delete;
  VolumeContext& operator=(const VolumeContext&) = delete;
  ~VolumeContext();

  // Makes the root FCB; the volume is usable after this succeeded.
  NtStatus Mount();

  MiniFileSystem& mini() { return *mini_; }
  const VolumeOptions& options() const { return options_; }
  FcbTable& fcbs() { return fcbs_; }
  Fcb* root() { return root_; }

 private:
  // Declared first: destroyed last, after the FCB table has forgotten its nodes.
  std::shared_ptr<MiniFileSystem> mini_;
  VolumeOptions options_;
  FcbTable fcbs_;
  Fcb* root_ = nullptr;
};

inline VolumeContext* VolumeOf(DeviceObject* device) {
  return device ? device->Extension<VolumeContext>() : nullptr;
}

// The volume of the stack `device` belongs to, searching down from it past any filters.
inline VolumeContext* VolumeOfStack(DeviceObject* device) {
  for (; device != nullptr; device = device->lowerDevice) {
    if (VolumeContext* volume = VolumeOf(device)) return volume;
  }
  return nullptr;
}

}  // namespace irpfs::fsclass
