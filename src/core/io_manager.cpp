// The I/O manager: drivers, device stacks, and the IRP's trip down and back up.
//
// Stack location indexing (0-based; NT counts from 1, so NT's CurrentLocation is ours + 1):
//
//   stack[stackCount-1]  the top device's location      ...      stack[0]  the bottom's
//   currentLocation == stackCount   before the first IoCallDriver (no current location;
//                                   the "next" location is the top device's)
//   IoCallDriver                    --currentLocation, then dispatch on stack[current]
//   IoSkipCurrentIrpStackLocation   ++currentLocation, so the next IoCallDriver reuses it
//
// A completion routine lives in the location of the driver *below* the one that set it
// (IoSetCompletionRoutine writes the next location), and runs when that lower driver's
// location is popped, with the device of the location above it: the setter's device.
#include "core/io_manager.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "core/lookaside.h"
#include "core/stack_lock.h"

namespace irpfs {
namespace {

[[noreturn]] void IopBugCheck(const char* what, Irp* irp) {
  std::fprintf(stderr, "irpfs: fatal I/O manager misuse: %s (irp %p)\n", what,
               static_cast<void*>(irp));
  std::abort();
}

// The topmost device of a stack, with the stack mutex held by the caller.
DeviceObject* TopOfStackLocked(DeviceObject* device) {
  while (device->attachedDevice != nullptr) device = device->attachedDevice;
  return device;
}

bool ShouldInvoke(const Irp* irp, uint8_t control) {
  NtStatus status = irp->ioStatus.status;
  if (NtSuccess(status) && (control & sl_control::kInvokeOnSuccess)) return true;
  if (!NtSuccess(status) && (control & sl_control::kInvokeOnError)) return true;
  return irp->cancel.load() && (control & sl_control::kInvokeOnCancel);
}

// What the I/O manager forgets of a location once its driver is done with it.
void ClearStackLocation(IoStackLocation* location) {
  location->minorFunction = 0;
  location->flags = 0;
  location->control = 0;
  location->completionRoutine = nullptr;
  location->context = nullptr;
}

}  // namespace

std::mutex& IopStackMutex() {
  static std::mutex mutex;
  return mutex;
}

// ---- Drivers and devices.

NtStatus IoCreateDriver(std::string_view name, DriverEntryRoutine entry,
                        std::string_view parameters, DriverObject** driver) {
  if (driver == nullptr) return NtStatus::InvalidParameter;
  *driver = nullptr;
  auto* created = new DriverObject(std::string(name));
  if (entry != nullptr) {
    NtStatus status = entry(created, parameters);
    if (!NtSuccess(status)) {
      // DriverEntry may have created devices before failing; they go with the driver.
      for (DeviceObject* device : created->Devices()) IoDeleteDevice(device);
      delete created;
      return status;
    }
  }
  *driver = created;
  return NtStatus::Success;
}

void IoUnloadDriver(DriverObject* driver) {
  if (driver == nullptr) return;
  if (driver->driverUnload != nullptr) driver->driverUnload(driver);
  for (DeviceObject* device : driver->Devices()) IoDeleteDevice(device);
  delete driver;
}

DeviceObject* IoAttachDeviceToDeviceStack(DeviceObject* source, DeviceObject* target) {
  if (source == nullptr || target == nullptr) return nullptr;
  std::lock_guard lock(IopStackMutex());
  DeviceObject* top = TopOfStackLocked(target);
  if (top == source || top->stackSize + 1 > kMaxStackSize) return nullptr;
  source->stackSize = static_cast<int8_t>(top->stackSize + 1);
  source->lowerDevice = top;
  top->attachedDevice = source;
  return top;
}

void IoDetachDevice(DeviceObject* lowerDevice) {
  if (lowerDevice == nullptr) return;
  std::lock_guard lock(IopStackMutex());
  DeviceObject* upper = lowerDevice->attachedDevice;
  if (upper == nullptr) return;
  upper->lowerDevice = nullptr;
  lowerDevice->attachedDevice = nullptr;
}

DeviceObject* IoGetAttachedDevice(DeviceObject* device) {
  if (device == nullptr) return nullptr;
  // No lock: the walk sees each attachedDevice before or after a concurrent attach or
  // detach, as a locked walk racing with it would; keeping the returned device alive is
  // the caller's business either way (VolumeStack drains before it detaches).
  while (DeviceObject* upper = device->attachedDevice.load(std::memory_order_acquire)) {
    device = upper;
  }
  return device;
}

// ---- IRPs.

namespace {
// A thread's last few freed IRPs, as NT's per-processor IRP lookaside lists.
using IrpLookaside = ThreadLookaside<Irp, 4>;
}  // namespace

Irp* IoAllocateIrp(int stackSize) {
  if (stackSize < 1 || stackSize > kMaxStackSize) return nullptr;
  Irp* irp = IrpLookaside::New();
  IoInitializeIrp(irp, stackSize);
  return irp;
}

void IoFreeIrp(Irp* irp) {
  IrpLookaside::Delete(irp);
}

void IoInitializeIrp(Irp* irp, int stackSize) {
  if (stackSize < 1 || stackSize > kMaxStackSize) IopBugCheck("bad IRP stack size", irp);
  irp->ioStatus = IoStatusBlock{};
  irp->flags = 0;
  irp->requestor = Requestor{};
  irp->bufferMethod = BufferMethod::Direct;
  irp->systemBuffer = nullptr;
  irp->mdlAddress = nullptr;
  irp->userBuffer = nullptr;
  irp->pendingReturned = false;
  irp->cancel.store(false, std::memory_order_relaxed);
  irp->cancelRoutine.store(nullptr, std::memory_order_relaxed);
  irp->stackCount = static_cast<int8_t>(stackSize);
  irp->currentLocation = static_cast<int8_t>(stackSize);
  for (void*& slot : irp->driverContext) slot = nullptr;
  irp->queueNext = nullptr;
  irp->queuePrev = nullptr;
  irp->originalFileObject = nullptr;
  irp->originatorCompletion = nullptr;
  irp->originatorContext = nullptr;
  irp->completed.store(false, std::memory_order_relaxed);
  irp->done.store(false, std::memory_order_relaxed);
  // Only the locations this IRP will use; the rest are never read.
  for (int i = 0; i < stackSize; ++i) irp->stack[i] = IoStackLocation{};
}

void IoCopyCurrentIrpStackLocationToNext(Irp* irp) {
  IoStackLocation* next = IoGetNextIrpStackLocation(irp);
  *next = *IoGetCurrentIrpStackLocation(irp);
  next->completionRoutine = nullptr;
  next->context = nullptr;
  next->control = 0;
}

void IoSetCompletionRoutine(Irp* irp, CompletionRoutine routine, void* context,
                            bool invokeOnSuccess, bool invokeOnError, bool invokeOnCancel) {
  IoStackLocation* next = IoGetNextIrpStackLocation(irp);
  next->completionRoutine = routine;
  next->context = context;
  next->control = 0;
  if (invokeOnSuccess) next->control |= sl_control::kInvokeOnSuccess;
  if (invokeOnError) next->control |= sl_control::kInvokeOnError;
  if (invokeOnCancel) next->control |= sl_control::kInvokeOnCancel;
}

NtStatus IoCallDriver(DeviceObject* device, Irp* irp) {
  if (device == nullptr) IopBugCheck("IoCallDriver to a null device", irp);
  if (irp->currentLocation <= 0) IopBugCheck("IoCallDriver past the last stack location", irp);
  --irp->currentLocation;
  IoStackLocation* location = IoGetCurrentIrpStackLocation(irp);
  location->deviceObject = device;
  auto major = static_cast<unsigned>(location->majorFunction);
  if (major >= kIrpMajorCount) return IopInvalidDeviceRequest(device, irp);
  return device->driverObject()->majorFunction[major](device, irp);
}

void IoCompleteRequest(Irp* irp) {
  if (irp->ioStatus.status == NtStatus::Pending) {
    IopBugCheck("IoCompleteRequest with STATUS_PENDING", irp);
  }
  // Exactly once per pass. A completion routine that returns MORE_PROCESSING_REQUIRED
  // owns the IRP again and will complete it anew, possibly on another thread before the
  // routine has even returned, so the guard is dropped before such a routine is called
  // and re-taken if it declines ownership.
  if (irp->completed.exchange(true)) IopBugCheck("IRP completed twice", irp);

  // Pop locations from the completing driver's up to the top. `k` is the location being
  // popped; once popped, currentLocation (k + 1) is the location of the driver above.
  while (irp->currentLocation < irp->stackCount) {
    IoStackLocation* popped = IoGetCurrentIrpStackLocation(irp);
    irp->pendingReturned = (popped->control & sl_control::kPendingReturned) != 0;
    ++irp->currentLocation;
    bool atTop = irp->currentLocation == irp->stackCount;

    CompletionRoutine routine = popped->completionRoutine;
    void* context = popped->context;
    bool invoke = routine != nullptr && ShouldInvoke(irp, popped->control);
    ClearStackLocation(popped);

    if (!invoke) {
      // Nobody above looks at this completion, so the pending mark travels up for them.
      if (irp->pendingReturned && !atTop) IoMarkIrpPending(irp);
      continue;
    }
    DeviceObject* setter = atTop ? nullptr : IoGetCurrentIrpStackLocation(irp)->deviceObject;
    irp->completed.store(false);
    NtStatus result = routine(setter, irp, context);
    if (result == NtStatus::MoreProcessingRequired) return;  // the IRP may be gone already
    if (irp->completed.exchange(true)) {
      IopBugCheck("IRP completed while its completion routine declined ownership", irp);
    }
  }

  irp->cancelRoutine.store(nullptr);
  OriginatorCompletion originator = irp->originatorCompletion;
  void* originatorContext = irp->originatorContext;
  // `done` is for originators that poll or wait instead of setting a completion; one that
  // sets a completion must not also free the IRP on `done`.
  irp->done.store(true, std::memory_order_release);
  irp->done.notify_all();
  if (originator != nullptr) originator(irp, originatorContext);
}

NtStatus IoCompleteWith(Irp* irp, NtStatus status, uint64_t information) {
  irp->ioStatus.status = status;
  irp->ioStatus.information = information;
  IoCompleteRequest(irp);
  return status;
}

CancelRoutine IoSetCancelRoutine(Irp* irp, CancelRoutine routine) {
  return irp->cancelRoutine.exchange(routine);
}

bool IoCancelIrp(Irp* irp) {
  // Sequentially consistent on purpose: with the store-then-check in CSQ Insert, at least
  // one side sees the other (either the queue sees `cancel`, or we see its routine).
  irp->cancel.store(true);
  CancelRoutine routine = irp->cancelRoutine.exchange(nullptr);
  if (routine == nullptr) return false;
  // NT runs cancel routines under the cancel spin lock; irpfs has none. Whoever wins the
  // exchange above owns the cancel, and the cancel-safe queue's own lock does the rest.
  int8_t location = irp->currentLocation;
  DeviceObject* device =
      location >= 0 && location < irp->stackCount ? irp->stack[location].deviceObject : nullptr;
  routine(device, irp);
  return true;
}

namespace {

// Lives on the waiting thread's stack for the length of one synchronous call. Most such
// IRPs complete before IoCallDriver returns (every CLEANUP and CLOSE of memfs and the
// mirror does): `stage` lets that case pass with one atomic exchange each side, and only
// a caller that really has to wait takes the mutex and sleeps.
struct SyncWaiter {
  static constexpr int kCalling = 0;   // the caller is still inside IoCallDriver
  static constexpr int kWaiting = 1;   // the caller waits on `wake`
  static constexpr int kFinished = 2;  // completed before the caller began to wait
  std::atomic<int> stage{kCalling};
  std::mutex mutex;
  std::condition_variable wake;
  bool done = false;
};

void SignalSyncWaiter(Irp*, void* context) {
  auto* waiter = static_cast<SyncWaiter*>(context);
  int expected = SyncWaiter::kCalling;
  // The caller has not looked yet: it will see kFinished and not wait. Nothing of the
  // waiter may be touched after this exchange, since the caller may return at once.
  if (waiter->stage.compare_exchange_strong(expected, SyncWaiter::kFinished)) return;
  // Notify under the lock: the waiter may return (and its stack frame vanish) as soon
  // as it can see `done`, which is only after we unlock.
  std::lock_guard lock(waiter->mutex);
  waiter->done = true;
  waiter->wake.notify_one();
}

}  // namespace

NtStatus IoCallDriverSynchronous(DeviceObject* device, Irp* irp) {
  SyncWaiter waiter;
  IoSetOriginatorCompletion(irp, SignalSyncWaiter, &waiter);
  IoCallDriver(device, irp);
  int expected = SyncWaiter::kCalling;
  if (waiter.stage.compare_exchange_strong(expected, SyncWaiter::kWaiting)) {
    std::unique_lock lock(waiter.mutex);
    waiter.wake.wait(lock, [&] { return waiter.done; });
  }
  return irp->ioStatus.status;
}

}  // namespace irpfs
