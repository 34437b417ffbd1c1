// The hot path allocates nothing: an IRP in caller storage goes down a filtered stack,
// through a cancel-safe queue and back up without touching the heap.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "core/csq.h"
#include "core/io_manager.h"

// Counts this thread's heap allocations (other threads, e.g. gtest's, do not count).
namespace {
thread_local long t_allocations = 0;
}

void* operator new(std::size_t size) {
  ++t_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace irpfs {
namespace {

struct Forwarder {
  DeviceObject* lower = nullptr;
  int completions = 0;
};

NtStatus CountCompletion(DeviceObject* device, Irp* irp, void* context) {
  ++static_cast<Forwarder*>(context)->completions;
  if (irp->pendingReturned) IoMarkIrpPending(irp);
  return NtStatus::Success;
}

NtStatus ForwardDispatch(DeviceObject* device, Irp* irp) {
  auto* forwarder = device->Extension<Forwarder>();
  IoCopyCurrentIrpStackLocationToNext(irp);
  IoSetCompletionRoutine(irp, CountCompletion, forwarder, true, true, true);
  return IoCallDriver(forwarder->lower, irp);
}

struct Pender {
  ListCancelSafeQueue queue;
};

// Reads complete at once; locks wait in the queue until the test releases them.
NtStatus PenderDispatch(DeviceObject* device, Irp* irp) {
  if (IoGetCurrentIrpStackLocation(irp)->majorFunction == IrpMajor::LockControl) {
    IoMarkIrpPending(irp);
    return device->Extension<Pender>()->queue.Insert(irp);
  }
  return IoCompleteWith(irp, NtStatus::Success,
                        IoGetCurrentIrpStackLocation(irp)->parameters.read.length);
}

void CountDone(Irp*, void* context) {
  ++*static_cast<int*>(context);
}

TEST(NoAllocation, DispatchCompletionAndQueueingUseNoHeap) {
  DriverObject *filterDriver, *bottomDriver;
  ASSERT_EQ(IoCreateDriver(
                "fwd",
                [](DriverObject* d, std::string_view) {
                  d->majorFunction.fill(ForwardDispatch);
                  return NtStatus::Success;
                },
                "", &filterDriver),
            NtStatus::Success);
  ASSERT_EQ(IoCreateDriver(
                "pend",
                [](DriverObject* d, std::string_view) {
                  d->majorFunction.fill(PenderDispatch);
                  return NtStatus::Success;
                },
                "", &bottomDriver),
            NtStatus::Success);
  DeviceObject *filter, *bottom;
  IoCreateDevice(bottomDriver, DeviceType::DiskFileSystem, "bottom", 0, &bottom);
  IoCreateDevice(filterDriver, DeviceType::Filter, "filter", 0, &filter);
  ListCancelSafeQueue& queue = bottom->CreateExtension<Pender>().queue;
  Forwarder& forwarder = filter->CreateExtension<Forwarder>();
  forwarder.lower = IoAttachDeviceToDeviceStack(filter, bottom);

  Irp read, lock, canceled;
  int done = 0;
  long before = t_allocations;

  IoInitializeIrp(&read, filter->stackSize);
  IoGetNextIrpStackLocation(&read)->majorFunction = IrpMajor::Read;
  IoGetNextIrpStackLocation(&read)->parameters.read.length = 512;
  NtStatus readStatus = IoCallDriverSynchronous(filter, &read);

  for (Irp* irp : {&lock, &canceled}) {
    IoInitializeIrp(irp, filter->stackSize);
    IoGetNextIrpStackLocation(irp)->majorFunction = IrpMajor::LockControl;
    IoSetOriginatorCompletion(irp, CountDone, &done);
    IoCallDriver(filter, irp);
  }
  bool cancelRan = IoCancelIrp(&canceled);
  Irp* released = queue.RemoveNext();
  if (released != nullptr) IoCompleteWith(released, NtStatus::Success);

  long allocations = t_allocations - before;
  EXPECT_EQ(allocations, 0);
  EXPECT_EQ(readStatus, NtStatus::Success);
  EXPECT_EQ(read.ioStatus.information, 512u);
  EXPECT_TRUE(cancelRan);
  EXPECT_EQ(released, &lock);
  EXPECT_EQ(done, 2);
  EXPECT_EQ(canceled.ioStatus.status, NtStatus::Cancelled);
  EXPECT_EQ(forwarder.completions, 3);
  EXPECT_TRUE(lock.pendingReturned);

  IoDetachDevice(bottom);
  IoUnloadDriver(filterDriver);
  IoUnloadDriver(bottomDriver);
}

}  // namespace
}  // namespace irpfs
