// Test drivers for the core suites: filter layers that forward IRPs and a bottom driver
// that completes them (at once, or later from a worker thread), all writing what they do
// to a shared journal so tests can check the order of events.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/io_manager.h"

namespace irpfs::test {

class Journal {
 public:
  void Add(std::string entry) {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(entry));
  }
  std::vector<std::string> Entries() {
    std::lock_guard lock(mutex_);
    return entries_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> entries_;
};

// Completes IRPs on its own thread, in the order they were handed over.
class LateCompleter {
 public:
  LateCompleter() : thread_([this] { Run(); }) {}
  ~LateCompleter() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  void Complete(Irp* irp, NtStatus status, uint64_t information) {
    {
      std::lock_guard lock(mutex_);
      work_.push_back({irp, status, information});
    }
    wake_.notify_one();
  }
  std::thread::id ThreadId() const { return thread_.get_id(); }

 private:
  struct Work {
    Irp* irp;
    NtStatus status;
    uint64_t information;
  };
  void Run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !work_.empty(); });
      if (work_.empty()) return;
      Work work = work_.front();
      work_.pop_front();
      lock.unlock();
      IoCompleteWith(work.irp, work.status, work.information);
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Work> work_;
  bool stopping_ = false;
  std::thread thread_;
};

enum class Forward { Copy, Skip };

// Extension of a filter device.
struct Layer {
  std::string name;
  Journal* journal = nullptr;
  DeviceObject* lower = nullptr;
  Forward forward = Forward::Copy;
  bool setCompletionRoutine = true;
};

// Extension of the bottom device.
struct Bottom {
  Journal* journal = nullptr;
  NtStatus status = NtStatus::Success;
  uint64_t information = 7;
  LateCompleter* completer = nullptr;  // non-null: pend and complete on its thread
};

inline const char* DeviceName(DeviceObject* device) {
  return device == nullptr ? "null" : device->name().c_str();
}

inline NtStatus LayerCompletion(DeviceObject* device, Irp* irp, void* context) {
  auto* layer = static_cast<Layer*>(context);
  layer->journal->Add("complete " + layer->name + " device=" + DeviceName(device) +
                      (irp->pendingReturned ? " pending" : ""));
  if (irp->pendingReturned) IoMarkIrpPending(irp);
  return irp->ioStatus.status;
}

inline NtStatus LayerDispatch(DeviceObject* device, Irp* irp) {
  auto* layer = device->Extension<Layer>();
  layer->journal->Add("dispatch " + layer->name + "@" + std::to_string(irp->currentLocation));
  if (layer->forward == Forward::Skip) {
    IoSkipCurrentIrpStackLocation(irp);
  } else {
    IoCopyCurrentIrpStackLocationToNext(irp);
    if (layer->setCompletionRoutine) {
      IoSetCompletionRoutine(irp, LayerCompletion, layer, true, true, true);
    }
  }
  return IoCallDriver(layer->lower, irp);
}

inline NtStatus BottomDispatch(DeviceObject* device, Irp* irp) {
  auto* bottom = device->Extension<Bottom>();
  IoStackLocation* location = IoGetCurrentIrpStackLocation(irp);
  bottom->journal->Add("dispatch bottom@" + std::to_string(irp->currentLocation) +
                       " length=" + std::to_string(location->parameters.read.length));
  if (bottom->completer != nullptr) {
    IoMarkIrpPending(irp);
    bottom->completer->Complete(irp, bottom->status, bottom->information);
    return NtStatus::Pending;
  }
  return IoCompleteWith(irp, bottom->status, bottom->information);
}

inline NtStatus FilterDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(LayerDispatch);
  return NtStatus::Success;
}

inline NtStatus BottomDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(BottomDispatch);
  return NtStatus::Success;
}

// top -> middle -> bottom, built with IoAttachDeviceToDeviceStack.
struct ThreeDeepStack {
  ThreeDeepStack() {
    IoCreateDriver("bottomdrv", BottomDriverEntry, "", &bottomDriver);
    IoCreateDriver("filterdrv", FilterDriverEntry, "", &filterDriver);
    IoCreateDevice(bottomDriver, DeviceType::DiskFileSystem, "bottom", 0, &bottom);
    IoCreateDevice(filterDriver, DeviceType::Filter, "middle", 0, &middle);
    IoCreateDevice(filterDriver, DeviceType::Filter, "top", 0, &top);
    bottomState = &bottom->CreateExtension<Bottom>();
    bottomState->journal = &journal;
    middleLayer = &middle->CreateExtension<Layer>();
    middleLayer->name = "middle";
    middleLayer->journal = &journal;
    middleLayer->lower = IoAttachDeviceToDeviceStack(middle, bottom);
    topLayer = &top->CreateExtension<Layer>();
    topLayer->name = "top";
    topLayer->journal = &journal;
    topLayer->lower = IoAttachDeviceToDeviceStack(top, bottom);
  }
  ~ThreeDeepStack() {
    IoDetachDevice(middle);
    IoDetachDevice(bottom);
    IoUnloadDriver(filterDriver);
    IoUnloadDriver(bottomDriver);
  }

  Journal journal;
  DriverObject* bottomDriver = nullptr;
  DriverObject* filterDriver = nullptr;
  DeviceObject* bottom = nullptr;
  DeviceObject* middle = nullptr;
  DeviceObject* top = nullptr;
  Bottom* bottomState = nullptr;
  Layer* middleLayer = nullptr;
  Layer* topLayer = nullptr;
};

// A read IRP ready to send to the top of `stack`.
inline void PrepareRead(Irp* irp, DeviceObject* top, uint32_t length) {
  IoInitializeIrp(irp, top->stackSize);
  IoStackLocation* next = IoGetNextIrpStackLocation(irp);
  next->majorFunction = IrpMajor::Read;
  next->parameters.read.length = length;
}

}  // namespace irpfs::test
