#include "test_filter.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/io_manager.h"

namespace irpfs::inproc::testing {

TestFilter* TestFilter::Attach(Volume& volume, uint32_t deviceFlags) {
  DriverObject* driver = nullptr;
  if (!NtSuccess(volume.LoadDriver("testfilter", DriverEntry, "", &driver))) return nullptr;
  DeviceObject* device = nullptr;
  if (!NtSuccess(volume.AttachFilter(driver, "testfilter0", &device))) return nullptr;
  device->flags = deviceFlags;
  TestFilter& filter = device->CreateExtension<TestFilter>(device->lowerDevice);
  filter.device_ = device;
  return &filter;
}

NtStatus TestFilter::DriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(Dispatch);
  return NtStatus::Success;
}

int TestFilter::TotalCount() const {
  int total = 0;
  for (const auto& count : counts_) total += count.load();
  return total;
}

bool TestFilter::WaitForPended(int count) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pended_.load() < count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

bool TestFilter::ReleaseOne() {
  Irp* irp = queue_.RemoveNext(nullptr);
  if (irp == nullptr) return false;
  IoSkipCurrentIrpStackLocation(irp);
  IoCallDriver(lower_, irp);
  return true;
}

SeenBuffer TestFilter::LastBuffer() const {
  std::lock_guard lock(seenMutex_);
  return seen_;
}

bool TestFilter::MatchFileObject(Irp* irp, void* fileObject) {
  return fileObject == nullptr || IoGetCurrentIrpStackLocation(irp)->fileObject == fileObject;
}

NtStatus TestFilter::Reverse(Irp* irp) {
  IoStackLocation* sl = IoGetCurrentIrpStackLocation(irp);
  const DeviceIoControlParameters& p = sl->parameters.deviceIoControl;
  uint32_t method = p.ioControlCode & 3;
  // Where the input is in each method (not type3InputBuffer, which inproc always sets:
  // the point is to see that the method's own buffer carries it).
  const auto* input = static_cast<const std::byte*>(method == METHOD_NEITHER ? p.type3InputBuffer
                                                                             : irp->systemBuffer);
  auto* output = static_cast<std::byte*>(IoGetIrpBuffer(irp));
  {
    std::lock_guard lock(seenMutex_);
    seen_ = SeenBuffer{irp->bufferMethod, output};
  }
  uint32_t n = std::min(p.inputBufferLength, p.outputBufferLength);
  if (n > 0 && (input == nullptr || output == nullptr)) {
    return IoCompleteWith(irp, NtStatus::InvalidUserBuffer);
  }
  // Through a copy: in METHOD_BUFFERED input and output share one buffer.
  std::byte reversed[256];
  n = std::min<uint32_t>(n, sizeof(reversed));
  for (uint32_t i = 0; i < n; ++i) reversed[i] = input[p.inputBufferLength - 1 - i];
  std::copy(reversed, reversed + n, output);
  return IoCompleteWith(irp, NtStatus::Success, n);
}

NtStatus TestFilter::Dispatch(DeviceObject* device, Irp* irp) {
  auto* self = device->Extension<TestFilter>();
  IoStackLocation* sl = IoGetCurrentIrpStackLocation(irp);
  self->counts_[static_cast<int>(sl->majorFunction)].fetch_add(1);
  switch (sl->majorFunction) {
    case IrpMajor::Read:
    case IrpMajor::Write: {
      {
        std::lock_guard lock(self->seenMutex_);
        self->seen_ = SeenBuffer{irp->bufferMethod, IoGetIrpBuffer(irp)};
      }
      if (sl->majorFunction == IrpMajor::Read && self->pendReads_.load()) {
        IoMarkIrpPending(irp);
        self->pended_.fetch_add(1);
        self->queue_.Insert(irp);
        return NtStatus::Pending;
      }
      break;
    }
    case IrpMajor::DeviceControl:
      if ((sl->parameters.deviceIoControl.ioControlCode >> 16) == kTestDeviceType) {
        return self->Reverse(irp);
      }
      break;
    case IrpMajor::Cleanup:
      // The open's last handle is gone: what it still has queued here ends now.
      while (Irp* queued =
                 self->keepOnCleanup_.load() ? nullptr : self->queue_.RemoveNext(sl->fileObject)) {
        IoCompleteWith(queued, NtStatus::Cancelled);
      }
      break;
    default:
      break;
  }
  IoSkipCurrentIrpStackLocation(irp);
  return IoCallDriver(self->lower_, irp);
}

}  // namespace irpfs::inproc::testing
