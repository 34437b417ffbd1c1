// A filter driver for the tests, attached above memfs: passes everything down, counts
// the IRPs it sees, records how read/write buffers arrived, can pend reads in a
// cancel-safe queue (released later from any thread), and answers a private ioctl.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

#include "core/csq.h"
#include "core/device.h"
#include "core/irp.h"
#include "transport/inproc/volume.h"
#include "transport/inproc/win32.h"

namespace irpfs::inproc::testing {

// The filter's private ioctl: output = input reversed (as many bytes as fit).
inline constexpr uint32_t kTestDeviceType = 0x8123;
constexpr uint32_t ReverseIoctl(uint32_t method, uint32_t access = 0) {
  return CTL_CODE(kTestDeviceType, 0x801, method, access);
}

struct SeenBuffer {
  BufferMethod method = BufferMethod::Neither;
  const void* address = nullptr;  // systemBuffer, Mdl base or userBuffer
};

class TestFilter {
 public:
  // Loads the filter driver into `volume` and attaches one device on top.
  static TestFilter* Attach(Volume& volume, uint32_t deviceFlags);

  explicit TestFilter(DeviceObject* lower) : lower_(lower), queue_(MatchFileObject) {}

  DeviceObject* device() const { return device_; }
  int Count(IrpMajor major) const { return counts_[static_cast<int>(major)].load(); }
  int TotalCount() const;
  void set_pendReads(bool pend) { pendReads_.store(pend); }
  // Keep pended reads queued across IRP_MJ_CLEANUP of their open (default: end them).
  void set_keepOnCleanup(bool keep) { keepOnCleanup_.store(keep); }
  int pended() const { return pended_.load(); }
  // Waits (up to a few seconds) until `count` reads have been pended in total.
  bool WaitForPended(int count) const;
  // Sends the oldest pended read on down to memfs; false when none is queued.
  bool ReleaseOne();
  SeenBuffer LastBuffer() const;

  static NtStatus DriverEntry(DriverObject* driver, std::string_view parameters);

 private:
  static NtStatus Dispatch(DeviceObject* device, Irp* irp);
  static bool MatchFileObject(Irp* irp, void* fileObject);
  NtStatus Reverse(Irp* irp);

  DeviceObject* lower_;
  DeviceObject* device_ = nullptr;
  std::array<std::atomic<int>, kIrpMajorCount> counts_{};
  std::atomic<bool> pendReads_{false};
  std::atomic<bool> keepOnCleanup_{false};
  std::atomic<int> pended_{0};
  ListCancelSafeQueue queue_;
  mutable std::mutex seenMutex_;
  SeenBuffer seen_;
};

}  // namespace irpfs::inproc::testing
