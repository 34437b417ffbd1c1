#include "core/fsctl.h"

#include "core/file_object.h"
#include "core/io_manager.h"

namespace irpfs {

NtStatus IoCheckFileObjectReference(const FileObject* reference, const FileObject* target) {
  if (reference == nullptr || target == nullptr) return NtStatus::InvalidHandle;
  if (reference->pointerCount.load(std::memory_order_acquire) <= 0) return NtStatus::InvalidHandle;
  if (!(reference->flags & fo_flag::kOpened)) return NtStatus::InvalidHandle;
  if (reference->flags & fo_flag::kCleanupComplete) return NtStatus::FileClosed;
  // Two opens of one volume share the stack: the same device at its top.
  if (IoGetRelatedDeviceObject(reference) != IoGetRelatedDeviceObject(target)) {
    return NtStatus::NotSameDevice;
  }
  return NtStatus::Success;
}

}  // namespace irpfs
