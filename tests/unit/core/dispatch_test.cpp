// IRPs down and up a device stack: dispatch order, stack locations, completion routines.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "test_stack.h"

namespace irpfs {
namespace {

using test::Forward;
using test::PrepareRead;
using test::ThreeDeepStack;
using Entries = std::vector<std::string>;

TEST(Dispatch, UnsetMajorCompletesInvalidDeviceRequest) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("empty", nullptr, "", &driver), NtStatus::Success);
  DeviceObject* device = nullptr;
  ASSERT_EQ(IoCreateDevice(driver, DeviceType::DiskFileSystem, "vol", 0, &device),
            NtStatus::Success);
  Irp irp;
  IoInitializeIrp(&irp, device->stackSize);
  IoGetNextIrpStackLocation(&irp)->majorFunction = IrpMajor::QueryEa;
  NtStatus status = IoCallDriverSynchronous(device, &irp);
  EXPECT_EQ(status, NtStatus::InvalidDeviceRequest);
  EXPECT_EQ(StatusToErrno(status), ENOSYS);
  EXPECT_TRUE(irp.done.load());
  IoUnloadDriver(driver);
}

TEST(Dispatch, MajorBeyondTheTableIsInvalidDeviceRequest) {
  ThreeDeepStack stack;
  Irp irp;
  PrepareRead(&irp, stack.bottom, 1);
  IoGetNextIrpStackLocation(&irp)->majorFunction = static_cast<IrpMajor>(kIrpMajorCount);
  EXPECT_EQ(IoCallDriverSynchronous(stack.bottom, &irp), NtStatus::InvalidDeviceRequest);
  EXPECT_TRUE(stack.journal.Entries().empty()) << "the driver is not called";
}

TEST(Dispatch, InitializeIrpStartsOnePastTheTop) {
  Irp irp;
  IoInitializeIrp(&irp, 3);
  EXPECT_EQ(irp.stackCount, 3);
  EXPECT_EQ(irp.currentLocation, 3);
  EXPECT_EQ(IoGetNextIrpStackLocation(&irp), &irp.stack[2]);
  EXPECT_EQ(irp.ioStatus.status, NtStatus::Pending);
  EXPECT_FALSE(irp.completed.load());
  EXPECT_FALSE(irp.done.load());
}

TEST(Dispatch, InitializeIrpResetsAReusedIrp) {
  ThreeDeepStack stack;
  Irp irp;
  PrepareRead(&irp, stack.top, 10);
  ASSERT_EQ(IoCallDriverSynchronous(stack.top, &irp), NtStatus::Success);
  irp.cancel = true;
  irp.driverContext[2] = &irp;
  PrepareRead(&irp, stack.top, 20);
  EXPECT_FALSE(irp.cancel.load());
  EXPECT_EQ(irp.driverContext[2], nullptr);
  EXPECT_EQ(irp.stack[1].completionRoutine, nullptr);
  EXPECT_EQ(irp.stack[0].deviceObject, nullptr);
  EXPECT_EQ(IoCallDriverSynchronous(stack.top, &irp), NtStatus::Success);
}

TEST(Dispatch, AllocatedIrpHasItsStackSize) {
  Irp* irp = IoAllocateIrp(4);
  ASSERT_NE(irp, nullptr);
  EXPECT_EQ(irp->stackCount, 4);
  EXPECT_EQ(irp->currentLocation, 4);
  IoFreeIrp(irp);
  EXPECT_EQ(IoAllocateIrp(0), nullptr);
  EXPECT_EQ(IoAllocateIrp(kMaxStackSize + 1), nullptr);
}

TEST(Dispatch, ThreeDeepStackPassesDownAndCompletesBottomUp) {
  ThreeDeepStack stack;
  Irp irp;
  PrepareRead(&irp, stack.top, 42);
  EXPECT_EQ(IoCallDriverSynchronous(stack.top, &irp), NtStatus::Success);
  EXPECT_EQ(irp.ioStatus.information, 7u);
  // Each routine runs with the device of the driver that set it.
  EXPECT_EQ(stack.journal.Entries(), (Entries{
                                         "dispatch top@2",
                                         "dispatch middle@1",
                                         "dispatch bottom@0 length=42",
                                         "complete middle device=middle",
                                         "complete top device=top",
                                     }));
  EXPECT_EQ(irp.currentLocation, irp.stackCount) << "the walk ends one past the top";
  EXPECT_EQ(irp.stack[0].deviceObject, stack.bottom);
  EXPECT_EQ(irp.stack[1].deviceObject, stack.middle);
  EXPECT_EQ(irp.stack[2].deviceObject, stack.top);
}

NtStatus OriginatorRoutine(DeviceObject* device, Irp* irp, void* context) {
  static_cast<test::Journal*>(context)->Add(std::string("complete originator device=") +
                                            test::DeviceName(device));
  return NtStatus::Success;
}

TEST(Dispatch, SkipReusesTheLocationAndKeepsTheRoutineAboveIt) {
  ThreeDeepStack stack;
  stack.topLayer->forward = Forward::Skip;
  Irp irp;
  PrepareRead(&irp, stack.top, 42);
  // A routine the originator sets in the top location; the top filter skips, so the
  // middle device works in that same location and the routine still belongs above it.
  IoSetCompletionRoutine(&irp, OriginatorRoutine, &stack.journal, true, true, true);
  EXPECT_EQ(IoCallDriverSynchronous(stack.top, &irp), NtStatus::Success);
  EXPECT_EQ(stack.journal.Entries(), (Entries{
                                         "dispatch top@2",
                                         "dispatch middle@2",
                                         "dispatch bottom@1 length=42",
                                         "complete middle device=middle",
                                         "complete originator device=null",
                                     }));
}

TEST(Dispatch, CopyWithoutRoutineMeansNoCallForThatLayer) {
  ThreeDeepStack stack;
  stack.middleLayer->setCompletionRoutine = false;
  Irp irp;
  PrepareRead(&irp, stack.top, 5);
  EXPECT_EQ(IoCallDriverSynchronous(stack.top, &irp), NtStatus::Success);
  EXPECT_EQ(stack.journal.Entries(), (Entries{
                                         "dispatch top@2",
                                         "dispatch middle@1",
                                         "dispatch bottom@0 length=5",
                                         "complete top device=top",
                                     }));
}

TEST(Dispatch, CopyDoesNotCarryTheRoutineDown) {
  Irp irp;
  IoInitializeIrp(&irp, 3);
  irp.currentLocation = 2;  // as if a driver at location 2 were running
  IoStackLocation* current = IoGetCurrentIrpStackLocation(&irp);
  current->majorFunction = IrpMajor::Write;
  current->minorFunction = 3;
  current->parameters.write.byteOffset = 4096;
  current->completionRoutine = OriginatorRoutine;
  current->context = &irp;
  current->control = sl_control::kInvokeAlways | sl_control::kPendingReturned;
  IoCopyCurrentIrpStackLocationToNext(&irp);
  IoStackLocation* next = IoGetNextIrpStackLocation(&irp);
  EXPECT_EQ(next, &irp.stack[1]);
  EXPECT_EQ(next->majorFunction, IrpMajor::Write);
  EXPECT_EQ(next->minorFunction, 3);
  EXPECT_EQ(next->parameters.write.byteOffset, 4096u);
  EXPECT_EQ(next->completionRoutine, nullptr);
  EXPECT_EQ(next->context, nullptr);
  EXPECT_EQ(next->control, 0);
}

TEST(Dispatch, CompletionRoutineInvokeBitsFollowTheStatus) {
  struct Case {
    bool onSuccess, onError, onCancel;
    NtStatus status;
    bool cancel;
    bool expectCall;
  };
  const Case cases[] = {
      {true, false, false, NtStatus::Success, false, true},
      {true, false, false, NtStatus::AccessDenied, false, false},
      {false, true, false, NtStatus::AccessDenied, false, true},
      {false, true, false, NtStatus::Success, false, false},
      {false, false, true, NtStatus::Success, true, true},
      {false, false, true, NtStatus::Cancelled, false, false},
      {true, true, true, NtStatus::BufferOverflow, false, true},
  };
  for (const Case& c : cases) {
    ThreeDeepStack stack;
    stack.bottomState->status = c.status;
    stack.middleLayer->setCompletionRoutine = false;
    stack.topLayer->setCompletionRoutine = false;
    Irp irp;
    PrepareRead(&irp, stack.top, 1);
    irp.cancel = c.cancel;
    IoSetCompletionRoutine(&irp, OriginatorRoutine, &stack.journal, c.onSuccess, c.onError,
                           c.onCancel);
    EXPECT_EQ(IoCallDriverSynchronous(stack.top, &irp), c.status);
    Entries entries = stack.journal.Entries();
    bool called = entries.back() == "complete originator device=null";
    EXPECT_EQ(called, c.expectCall) << StatusName(c.status) << " cancel=" << c.cancel;
  }
}

TEST(Dispatch, PendedIrpCompletesOnAnotherThreadForSynchronousCaller) {
  ThreeDeepStack stack;
  test::LateCompleter completer;
  stack.bottomState->completer = &completer;
  stack.bottomState->status = NtStatus::EndOfFile;
  Irp irp;
  PrepareRead(&irp, stack.top, 9);
  EXPECT_EQ(IoCallDriverSynchronous(stack.top, &irp), NtStatus::EndOfFile);
  EXPECT_TRUE(irp.pendingReturned) << "the pending mark travels up to the originator";
  EXPECT_EQ(stack.journal.Entries(), (Entries{
                                         "dispatch top@2",
                                         "dispatch middle@1",
                                         "dispatch bottom@0 length=9",
                                         "complete middle device=middle pending",
                                         "complete top device=top pending",
                                     }));
}

TEST(Dispatch, PendingMarkTravelsUpPastLayersWithoutRoutines) {
  ThreeDeepStack stack;
  test::LateCompleter completer;
  stack.bottomState->completer = &completer;
  stack.middleLayer->setCompletionRoutine = false;
  stack.topLayer->setCompletionRoutine = false;
  Irp irp;
  PrepareRead(&irp, stack.top, 9);
  EXPECT_EQ(IoCallDriverSynchronous(stack.top, &irp), NtStatus::Success);
  EXPECT_TRUE(irp.pendingReturned);
}

struct OriginatorRecord {
  std::atomic<int> calls{0};
  std::thread::id thread;
  NtStatus status = NtStatus::Pending;
};

void RecordOriginator(Irp* irp, void* context) {
  auto* record = static_cast<OriginatorRecord*>(context);
  record->thread = std::this_thread::get_id();
  record->status = irp->ioStatus.status;
  EXPECT_EQ(irp->cancelRoutine.load(), nullptr);
  record->calls.fetch_add(1);
  record->calls.notify_all();
}

TEST(Dispatch, OriginatorCompletionRunsOnTheCompletingThread) {
  ThreeDeepStack stack;
  test::LateCompleter completer;
  stack.bottomState->completer = &completer;
  stack.bottomState->information = 1234;
  Irp irp;
  PrepareRead(&irp, stack.top, 9);
  OriginatorRecord record;
  IoSetOriginatorCompletion(&irp, RecordOriginator, &record);
  EXPECT_EQ(IoCallDriver(stack.top, &irp), NtStatus::Pending);
  record.calls.wait(0);
  EXPECT_EQ(record.calls.load(), 1);
  EXPECT_EQ(record.thread, completer.ThreadId());
  EXPECT_EQ(record.status, NtStatus::Success);
  EXPECT_EQ(irp.ioStatus.information, 1234u);
  irp.done.wait(false);
  EXPECT_TRUE(irp.done.load());
}

TEST(Dispatch, SynchronousCompletionRunsOriginatorBeforeCallDriverReturns) {
  ThreeDeepStack stack;
  Irp irp;
  PrepareRead(&irp, stack.top, 9);
  OriginatorRecord record;
  IoSetOriginatorCompletion(&irp, RecordOriginator, &record);
  EXPECT_EQ(IoCallDriver(stack.top, &irp), NtStatus::Success);
  EXPECT_EQ(record.calls.load(), 1);
  EXPECT_EQ(record.thread, std::this_thread::get_id());
}

}  // namespace
}  // namespace irpfs
