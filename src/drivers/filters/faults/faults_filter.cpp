#include "drivers/filters/faults/faults_filter.h"

#include <time.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "core/file_object.h"
#include "core/filter_device.h"
#include "core/io_manager.h"
#include "core/volume_stack.h"
#include "drivers/filters/faults/delay_queue.h"
#include "drivers/filters/faults/faults_path.h"

namespace irpfs::faults {
namespace {

// The decision of a delayed IRP, packed into driverContext[kDecisionSlot] while queued.
constexpr int kDecisionSlot = 3;
constexpr uint64_t kFailBit = uint64_t{1} << 32;
constexpr uint64_t kShortBit = uint64_t{1} << 33;

uint64_t MonotonicNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return uint64_t(now.tv_sec) * 1'000'000'000 + uint64_t(now.tv_nsec);
}

void* PackDecision(const FaultDecision& d) {
  uint64_t packed = static_cast<uint32_t>(d.status);
  if (d.fail) packed |= kFailBit;
  if (d.shortTransfer) packed |= kShortBit;
  return reinterpret_cast<void*>(static_cast<uintptr_t>(packed));
}

FaultDecision UnpackDecision(void* slot) {
  auto packed = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(slot));
  FaultDecision d;
  d.status = static_cast<NtStatus>(static_cast<uint32_t>(packed));
  d.fail = (packed & kFailBit) != 0;
  d.shortTransfer = (packed & kShortBit) != 0;
  return d;
}

struct FaultsDriverState {
  FaultsSettings defaults;
};

NtStatus Proceed(DeviceObject* device, FaultsConfig& config, Irp* irp, const FaultDecision& d);

// Per device: the config, and the queue and thread of delayed IRPs.
class FaultsDevice {
 public:
  FaultsDevice(DeviceObject* device, std::shared_ptr<FaultsConfig> config)
      : config(std::move(config)), device_(device), timer_([this] { TimerLoop(); }) {}

  ~FaultsDevice() {
    {
      std::lock_guard lock(timerMutex_);
      stop_ = true;
    }
    wake_.notify_one();
    timer_.join();
    while (Irp* irp = queue_.RemoveAny()) IoCompleteWith(irp, NtStatus::Cancelled);
  }

  NtStatus Delay(Irp* irp, const FaultDecision& d) {
    DelayQueue::SetDue(irp, MonotonicNs() + d.delayNs);
    irp->driverContext[kDecisionSlot] = PackDecision(d);
    IoMarkIrpPending(irp);
    // Once queued, the IRP may be resumed, completed and its rundown reference released
    // by the timer thread (or canceled) before this returns; then a detach may delete
    // this device. Holding timerMutex_ through the notify keeps the destructor (which
    // takes it first) waiting until this thread is done with the object.
    std::lock_guard lock(timerMutex_);
    queue_.InsertDelayed(irp);  // an IRP canceled already is completed by the queue
    kicked_ = true;
    wake_.notify_one();
    return NtStatus::Pending;
  }

  const std::shared_ptr<FaultsConfig> config;

 private:
  void TimerLoop() {
    std::unique_lock lock(timerMutex_);
    while (!stop_) {
      kicked_ = false;
      lock.unlock();
      uint64_t now = MonotonicNs();
      while (Irp* irp = queue_.RemoveDue(now)) Resume(irp);
      uint64_t next = queue_.NextDue();
      lock.lock();
      if (stop_ || kicked_) continue;
      if (next == UINT64_MAX) {
        wake_.wait(lock, [this] { return stop_ || kicked_; });
      } else {
        uint64_t after = MonotonicNs();
        if (next > after) {
          wake_.wait_for(lock, std::chrono::nanoseconds(next - after),
                         [this] { return stop_ || kicked_; });
        }
      }
    }
  }

  void Resume(Irp* irp) {
    FaultDecision d = UnpackDecision(irp->driverContext[kDecisionSlot]);
    irp->driverContext[kDueSlot] = nullptr;
    irp->driverContext[kDecisionSlot] = nullptr;
    Proceed(device_, *config, irp, d);
  }

  DeviceObject* device_;
  DelayQueue queue_;
  // Guards stop_ and kicked_. Lock order: timerMutex_ before the queue's lock; the timer
  // thread holds neither while it resumes IRPs.
  std::mutex timerMutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool kicked_ = false;
  std::thread timer_;  // last: starts once the members above exist
};

// Gives back the ENOSPC budget a write was charged for and did not use.
NtStatus FaultsWriteCompletion(DeviceObject* device, Irp* irp, void* context) {
  auto charged = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(context));
  uint64_t moved = NtSuccess(irp->ioStatus.status) ? irp->ioStatus.information : 0;
  if (charged > moved) {
    if (FaultsDevice* state = device->Extension<FaultsDevice>()) {
      state->config->RefundWrite(charged - moved);
    }
  }
  return FltContinueCompletion(irp);
}

NtStatus Proceed(DeviceObject* device, FaultsConfig& config, Irp* irp, const FaultDecision& d) {
  if (d.fail) return IoCompleteWith(irp, d.status);
  IrpMajor major = IoGetCurrentIrpStackLocation(irp)->majorFunction;
  bool transfer = major == IrpMajor::Read || major == IrpMajor::Write;
  bool budget = major == IrpMajor::Write && config.HasBudget();
  if (!transfer || (!d.shortTransfer && !budget)) return FltPassDown(device, irp);

  FltCopyDown(irp);
  // READ and WRITE share the parameter layout.
  ReadWriteParameters& next = IoGetNextIrpStackLocation(irp)->parameters.write;
  uint32_t length = next.length;
  if (d.shortTransfer && length > 1) length /= 2;
  uint32_t charged = 0;
  if (budget) {
    charged = config.ChargeWrite(length);
    if (charged == 0 && length != 0) return IoCompleteWith(irp, NtStatus::DiskFull);
    length = charged;
  }
  next.length = length;
  if (charged == 0) return FltCallLower(device, irp, nullptr, nullptr);
  return FltCallLower(device, irp, FaultsWriteCompletion,
                      reinterpret_cast<void*>(static_cast<uintptr_t>(charged)));
}

NtStatus FaultsDispatch(DeviceObject* device, Irp* irp) {
  FaultsDevice* state = device->Extension<FaultsDevice>();
  if (state == nullptr) return FltPassDown(device, irp);
  FaultsConfig& config = *state->config;
  FaultDecision d;
  if (config.HasRules()) {
    IoStackLocation* location = IoGetCurrentIrpStackLocation(irp);
    char buffer[kMaxFaultPath];
    std::string_view path;
    if (config.NeedsPath() && location->fileObject != nullptr) {
      path = FaultsFilePath(location->fileObject, buffer);
    }
    d = config.Decide(location->majorFunction, path);
  }
  if (d.delayNs > 0) return state->Delay(irp, d);
  return Proceed(device, config, irp, d);
}

NtStatus FaultsAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  FaultsDriverState* driverState = driver->DriverExtension<FaultsDriverState>();
  if (driverState == nullptr) return NtStatus::InvalidParameter;
  FaultsSettings settings = driverState->defaults;
  const AttachContext* context = IoGetAttachContext();
  if (context != nullptr && !context->options.empty()) {
    NtStatus status = ParseFaultsOptions(context->options, &settings, context->error);
    if (!NtSuccess(status)) return status;
  }
  DeviceObject* device = nullptr;
  NtStatus status = FltCreateDevice(driver, physicalDevice, &device);
  if (!NtSuccess(status)) return status;
  device->CreateExtension<FaultsDevice>(device,
                                        std::make_shared<FaultsConfig>(std::move(settings)));
  return FltAttachOrDelete(device, physicalDevice);
}

}  // namespace

NtStatus FaultsDriverEntry(DriverObject* driver, std::string_view parameters) {
  FaultsSettings defaults;
  std::string error;
  NtStatus status = ParseFaultsOptions(parameters, &defaults, &error);
  if (!NtSuccess(status)) {
    std::fprintf(stderr, "irpfs: %s\n", error.c_str());
    return status;
  }
  driver->CreateDriverExtension<FaultsDriverState>().defaults = std::move(defaults);
  driver->majorFunction.fill(FaultsDispatch);
  driver->addDevice = FaultsAddDevice;
  return NtStatus::Success;
}

std::shared_ptr<FaultsConfig> FaultsGetConfig(const DeviceObject* filter) {
  if (filter == nullptr) return nullptr;
  FaultsDevice* state = filter->Extension<FaultsDevice>();
  return state != nullptr ? state->config : nullptr;
}

std::shared_ptr<FaultsConfig> FaultsFindConfig(DeviceObject* device) {
  for (DeviceObject* d = IoGetAttachedDevice(device); d != nullptr; d = d->lowerDevice) {
    if (std::shared_ptr<FaultsConfig> config = FaultsGetConfig(d)) return config;
  }
  return nullptr;
}

}  // namespace irpfs::faults
