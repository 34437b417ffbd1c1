#include "core/volume_stack.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/io_manager.h"
#include "core/stack_lock.h"
#include "core/stack_splice.h"

namespace irpfs {
namespace {

thread_local const AttachContext* tlsAttachContext = nullptr;

// Sets the calling thread's attach context for the life of one AddDevice call.
class ScopedAttachContext {
 public:
  explicit ScopedAttachContext(const AttachContext* context) { tlsAttachContext = context; }
  ~ScopedAttachContext() { tlsAttachContext = nullptr; }
};

// Moves the location the originator filled (the top slot of the size the IRP was
// initialized with) to the top slot of `stackSize`, clearing the slots below it.
void FitIrpToStack(Irp* irp, int stackSize) {
  if (irp->currentLocation != irp->stackCount) {
    std::fprintf(stderr, "irpfs: VolumeStack::Call with an IRP already sent (irp %p)\n",
                 static_cast<void*>(irp));
    std::abort();
  }
  if (irp->stackCount == stackSize) return;
  IoStackLocation filled = irp->stack[irp->stackCount - 1];
  for (int i = 0; i < stackSize - 1; ++i) irp->stack[i] = IoStackLocation{};
  irp->stack[stackSize - 1] = filled;
  irp->stackCount = static_cast<int8_t>(stackSize);
  irp->currentLocation = static_cast<int8_t>(stackSize);
}

bool IsNamed(const DeviceObject* device, std::string_view name) {
  return device->name() == name || device->driverObject()->name() == name;
}

}  // namespace

const AttachContext* IoGetAttachContext() {
  return tlsAttachContext;
}

uint32_t altitude::ForDriver(std::string_view driverName) {
  if (driverName == "trace") return kTrace;
  if (driverName == "stats") return kStats;
  if (driverName == "readonly") return kReadonly;
  if (driverName == "faults") return kFaults;
  return kDefault;
}

// ---- RundownReference.

RundownReference::RundownReference(RundownReference&& other) noexcept : stack_(other.stack_) {
  other.stack_ = nullptr;
}

RundownReference& RundownReference::operator=(RundownReference&& other) noexcept {
  if (this != &other) {
    Release();
    stack_ = other.stack_;
    other.stack_ = nullptr;
  }
  return *this;
}

void RundownReference::Release() {
  if (stack_ == nullptr) return;
  VolumeStack* stack = stack_;
  stack_ = nullptr;
  stack->ReleaseReference();
}

// ---- VolumeStack.

VolumeStack::VolumeStack(DeviceObject* base, Options options)
    : base_(base), floor_(IoGetAttachedDevice(base)), options_(options) {}

VolumeStack::~VolumeStack() {
  std::vector<DeviceObject*> filters;
  {
    std::lock_guard lock(filtersMutex_);
    filters.swap(filters_);
  }
  for (DeviceObject* filter : filters) {
    IoRemoveDeviceFromStack(filter);
    IoDeleteDevice(filter);
  }
}

RundownReference VolumeStack::Acquire() {
  uint64_t state = rundown_.load(std::memory_order_acquire);
  for (;;) {
    if (state & kChanging) {
      std::unique_lock lock(waitMutex_);
      resumed_.wait(lock, [this] { return (rundown_.load() & kChanging) == 0; });
      state = rundown_.load(std::memory_order_acquire);
      continue;
    }
    // acquire: pairs with EndChange's release, so the new shape of the stack is seen.
    if (rundown_.compare_exchange_weak(state, state + 1, std::memory_order_acquire,
                                       std::memory_order_acquire)) {
      return RundownReference(this);
    }
  }
}

void VolumeStack::ReleaseReference() {
  // acq_rel: whatever the IRP did happens before the changer's drain check.
  uint64_t after = rundown_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (after != kChanging) return;
  // The changer checks its predicate under waitMutex_, so notifying under it cannot be
  // missed.
  std::lock_guard lock(waitMutex_);
  drained_.notify_all();
}

bool VolumeStack::BeginChange() {
  changeMutex_.lock();
  rundown_.fetch_or(kChanging, std::memory_order_acq_rel);
  std::unique_lock lock(waitMutex_);
  bool drained = drained_.wait_for(lock, options_.drainTimeout, [this] {
    return (rundown_.load(std::memory_order_acquire) & ~kChanging) == 0;
  });
  if (drained) return true;
  rundown_.fetch_and(~kChanging, std::memory_order_release);
  lock.unlock();
  resumed_.notify_all();
  changeMutex_.unlock();
  return false;
}

void VolumeStack::EndChange(bool changed) {
  if (changed) generation_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(waitMutex_);
    // release: the new links and stack sizes are visible to whoever acquires next.
    rundown_.fetch_and(~kChanging, std::memory_order_release);
  }
  resumed_.notify_all();
  changeMutex_.unlock();
}

DeviceObject* VolumeStack::Top(const RundownReference&) const {
  return IoGetAttachedDevice(base_);
}

NtStatus VolumeStack::Call(const RundownReference& ref, Irp* irp) {
  DeviceObject* top = Top(ref);
  FitIrpToStack(irp, top->stackSize);
  return IoCallDriver(top, irp);
}

NtStatus VolumeStack::CallSynchronous(Irp* irp) {
  RundownReference ref = Acquire();
  DeviceObject* top = Top(ref);
  FitIrpToStack(irp, top->stackSize);
  return IoCallDriverSynchronous(top, irp);
}

void VolumeStack::CloseHandle(FileObject* fileObject) {
  RundownReference ref = Acquire();
  ObCloseHandle(fileObject);
}

void VolumeStack::Dereference(FileObject* fileObject) {
  RundownReference ref = Acquire();
  ObDereferenceObject(fileObject);
}

NtStatus VolumeStack::Attach(DriverObject* filterDriver, std::string_view options,
                             uint32_t altitude, DeviceObject** filter, std::string* error) {
  if (filter != nullptr) *filter = nullptr;
  if (filterDriver == nullptr) return NtStatus::InvalidParameter;
  if (filterDriver->addDevice == nullptr) return NtStatus::InvalidDeviceRequest;
  if (!BeginChange()) return NtStatus::DeviceBusy;

  // The place: above the highest device whose altitude is not above ours.
  DeviceObject* below = floor_;
  for (DeviceObject* d = below->attachedDevice; d != nullptr && d->altitude <= altitude;
       d = d->attachedDevice) {
    below = d;
  }
  DeviceObject* cut = IoCutStackAbove(below);

  AttachContext context{options, altitude, error};
  NtStatus status;
  {
    ScopedAttachContext scoped(&context);
    status = filterDriver->addDevice(filterDriver, base_);
  }
  DeviceObject* added = below->attachedDevice;  // nobody else changes the stack now
  if (NtSuccess(status) && added == nullptr) status = NtStatus::InvalidDeviceState;
  if (NtSuccess(status)) {
    {
      // Describe() reads altitudes under the stack lock, without waiting for changes.
      std::lock_guard lock(IopStackMutex());
      for (DeviceObject* d = added; d != nullptr; d = d->attachedDevice) d->altitude = altitude;
    }
    if (cut != nullptr) status = IoAttachChainAbove(cut, IoGetAttachedDevice(added));
  }
  if (!NtSuccess(status)) {
    // Undo whatever AddDevice attached, then restore the filters above.
    while (DeviceObject* stray = below->attachedDevice) {
      DeviceObject* top = IoGetAttachedDevice(stray);
      IoRemoveDeviceFromStack(top);
      IoDeleteDevice(top);
    }
    if (cut != nullptr) IoAttachChainAbove(cut, below);
    EndChange(false);
    return status;
  }
  {
    std::lock_guard lock(filtersMutex_);
    for (DeviceObject* d = added; d != cut; d = d->attachedDevice) filters_.push_back(d);
  }
  if (filter != nullptr) *filter = added;
  EndChange(true);
  return NtStatus::Success;
}

NtStatus VolumeStack::Detach(std::string_view name) {
  if (!BeginChange()) return NtStatus::DeviceBusy;
  DeviceObject* filter = FindFilterUnlocked(name);
  NtStatus status = filter != nullptr ? DetachLocked(filter) : NtStatus::ObjectNameNotFound;
  EndChange(NtSuccess(status));
  return status;
}

NtStatus VolumeStack::Detach(DeviceObject* filter) {
  if (!BeginChange()) return NtStatus::DeviceBusy;
  NtStatus status = DetachLocked(filter);
  EndChange(NtSuccess(status));
  return status;
}

NtStatus VolumeStack::DetachLocked(DeviceObject* filter) {
  {
    std::lock_guard lock(filtersMutex_);
    auto it = std::find(filters_.begin(), filters_.end(), filter);
    if (it == filters_.end()) return NtStatus::ObjectNameNotFound;
    filters_.erase(it);
  }
  IoRemoveDeviceFromStack(filter);
  IoDeleteDevice(filter);
  return NtStatus::Success;
}

DeviceObject* VolumeStack::FindFilter(std::string_view name) const {
  std::lock_guard change(changeMutex_);
  return FindFilterUnlocked(name);
}

std::vector<DeviceObject*> VolumeStack::FiltersSnapshot() const {
  std::lock_guard lock(filtersMutex_);
  return filters_;
}

DeviceObject* VolumeStack::FindFilterUnlocked(std::string_view name) const {
  std::vector<DeviceObject*> filters = FiltersSnapshot();
  // The I/O manager's stack lock is a leaf: nothing else is taken under it.
  std::lock_guard lock(IopStackMutex());
  DeviceObject* top = floor_;
  while (top->attachedDevice != nullptr) top = top->attachedDevice;
  for (DeviceObject* d = top; d != floor_ && d != nullptr; d = d->lowerDevice) {
    if (IsNamed(d, name) && std::find(filters.begin(), filters.end(), d) != filters.end()) {
      return d;
    }
  }
  return nullptr;
}

std::vector<StackEntry> VolumeStack::Describe() const {
  // Not in the middle of a change: Attach cuts the stack while AddDevice runs.
  std::lock_guard change(changeMutex_);
  std::vector<StackEntry> entries;
  std::vector<DeviceObject*> filters = FiltersSnapshot();
  std::lock_guard lock(IopStackMutex());
  DeviceObject* top = base_;
  while (top->attachedDevice != nullptr) top = top->attachedDevice;
  for (DeviceObject* d = top; d != nullptr; d = d->lowerDevice) {
    StackEntry entry;
    entry.driverName = d->driverObject()->name();
    entry.deviceName = d->name();
    entry.altitude = d->altitude;
    entry.flags = d->flags;
    entry.type = d->deviceType();
    entry.stackSize = d->stackSize;
    entry.filter = std::find(filters.begin(), filters.end(), d) != filters.end();
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace irpfs
