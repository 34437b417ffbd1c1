#include "hold_filter.h"

#include <atomic>

#include "core/csq.h"
#include "core/file_object.h"
#include "core/filter_device.h"
#include "core/io_manager.h"

namespace irpfs::testing {
namespace {

constexpr std::string_view kHeldPrefix = "hold";

// The list queue, counting the IRPs its cancel path completes.
class CountingQueue : public ListCancelSafeQueue {
 public:
  std::atomic<uint64_t> canceled{0};

 protected:
  void CompleteCanceledIrp(Irp* irp) override {
    canceled.fetch_add(1, std::memory_order_relaxed);
    ListCancelSafeQueue::CompleteCanceledIrp(irp);
  }
};

struct HoldDevice {
  CountingQueue queue;
  std::atomic<uint64_t> pended{0};
  std::atomic<uint64_t> released{0};

  ~HoldDevice() {
    while (Irp* irp = queue.RemoveNext()) IoCompleteWith(irp, NtStatus::Cancelled);
  }
};

// The file's name: the FUSE dispatcher opens a handle with an empty name relative to the
// node's own file object, which holds the name it was looked up by (relative to its
// parent). The first name along the related chain is the last path component.
bool IsHeldName(const FileObject* fileObject) {
  for (const FileObject* f = fileObject; f != nullptr; f = f->relatedFileObject) {
    std::string_view name = f->fileName;
    if (name.empty()) continue;
    size_t slash = name.rfind('/');
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
    return name.starts_with(kHeldPrefix);
  }
  return false;
}

NtStatus HoldDispatch(DeviceObject* device, Irp* irp) {
  HoldDevice* state = device->Extension<HoldDevice>();
  IoStackLocation* location = IoGetCurrentIrpStackLocation(irp);
  if (state == nullptr || location->majorFunction != IrpMajor::Read ||
      !IsHeldName(location->fileObject)) {
    return FltPassDown(device, irp);
  }
  state->pended.fetch_add(1, std::memory_order_relaxed);
  IoMarkIrpPending(irp);
  // An IRP canceled before it got here is completed by Insert itself.
  state->queue.Insert(irp);
  return NtStatus::Pending;
}

NtStatus HoldAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  return FltAddFilterDevice<HoldDevice>(driver, physicalDevice, nullptr);
}

}  // namespace

NtStatus HoldFilterDriverEntry(DriverObject* driver, std::string_view /*parameters*/) {
  driver->majorFunction.fill(HoldDispatch);
  driver->addDevice = HoldAddDevice;
  return NtStatus::Success;
}

HoldCounts HoldFilterGetCounts(const DeviceObject* filter) {
  HoldCounts counts;
  HoldDevice* state = filter != nullptr ? filter->Extension<HoldDevice>() : nullptr;
  if (state == nullptr) return counts;
  counts.pended = state->pended.load(std::memory_order_relaxed);
  counts.canceled = state->queue.canceled.load(std::memory_order_relaxed);
  counts.released = state->released.load(std::memory_order_relaxed);
  return counts;
}

uint64_t HoldFilterReleaseAll(DeviceObject* filter) {
  HoldDevice* state = filter != nullptr ? filter->Extension<HoldDevice>() : nullptr;
  if (state == nullptr) return 0;
  uint64_t count = 0;
  while (Irp* irp = state->queue.RemoveNext()) {
    IoCompleteWith(irp, NtStatus::Cancelled);
    ++count;
  }
  state->released.fetch_add(count, std::memory_order_relaxed);
  return count;
}

}  // namespace irpfs::testing
