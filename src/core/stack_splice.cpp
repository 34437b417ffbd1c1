#include "core/stack_splice.h"

#include "core/irp.h"
#include "core/stack_lock.h"

namespace irpfs {
namespace {

// With the stack lock held: the sizes of `device` and everything above it, from the
// device below.
void RecomputeStackSizesLocked(DeviceObject* device) {
  for (DeviceObject* d = device; d != nullptr; d = d->attachedDevice) {
    d->stackSize =
        static_cast<int8_t>(d->lowerDevice != nullptr ? d->lowerDevice->stackSize + 1 : 1);
  }
}

int ChainLengthLocked(DeviceObject* bottom) {
  int length = 0;
  for (DeviceObject* d = bottom; d != nullptr; d = d->attachedDevice) ++length;
  return length;
}

}  // namespace

NtStatus IoAttachChainAbove(DeviceObject* chainBottom, DeviceObject* lower) {
  if (chainBottom == nullptr || lower == nullptr || chainBottom == lower) {
    return NtStatus::InvalidParameter;
  }
  std::lock_guard lock(IopStackMutex());
  if (lower->attachedDevice != nullptr || chainBottom->lowerDevice != nullptr) {
    return NtStatus::InvalidParameter;
  }
  if (lower->stackSize + ChainLengthLocked(chainBottom) > kMaxStackSize) {
    return NtStatus::InsufficientResources;
  }
  chainBottom->lowerDevice = lower;
  RecomputeStackSizesLocked(chainBottom);
  // Last: IoGetAttachedDevice walks up without the lock and must find the sizes set.
  lower->attachedDevice = chainBottom;
  return NtStatus::Success;
}

DeviceObject* IoCutStackAbove(DeviceObject* device) {
  if (device == nullptr) return nullptr;
  std::lock_guard lock(IopStackMutex());
  DeviceObject* upper = device->attachedDevice;
  if (upper == nullptr) return nullptr;
  device->attachedDevice = nullptr;
  upper->lowerDevice = nullptr;
  RecomputeStackSizesLocked(upper);
  return upper;
}

void IoRemoveDeviceFromStack(DeviceObject* device) {
  if (device == nullptr) return;
  std::lock_guard lock(IopStackMutex());
  DeviceObject* lower = device->lowerDevice;
  DeviceObject* upper = device->attachedDevice;
  if (upper != nullptr) upper->lowerDevice = lower;
  RecomputeStackSizesLocked(upper);
  // Then skip the device: a walk up without the lock (IoGetAttachedDevice) finds the
  // devices above it already sized for the shorter stack.
  if (lower != nullptr) lower->attachedDevice = upper;
  device->lowerDevice = nullptr;
  device->attachedDevice = nullptr;
  device->stackSize = 1;
}

}  // namespace irpfs
