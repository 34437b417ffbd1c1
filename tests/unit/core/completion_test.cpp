// STATUS_MORE_PROCESSING_REQUIRED, re-completion, and the exactly-once rule.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "test_stack.h"

namespace irpfs {
namespace {

using test::PrepareRead;
using Entries = std::vector<std::string>;

// A filter that forwards synchronously in NT's classic way: its completion routine
// signals the dispatch routine and returns MORE_PROCESSING_REQUIRED, the dispatch routine
// waits, post-processes the result, and completes the IRP a second time.
struct WaitingFilter {
  test::Journal* journal = nullptr;
  DeviceObject* lower = nullptr;
};

struct Signal {
  std::mutex mutex;
  std::condition_variable wake;
  bool set = false;
  void Set() {
    std::lock_guard lock(mutex);
    set = true;
    wake.notify_one();
  }
  void Wait() {
    std::unique_lock lock(mutex);
    wake.wait(lock, [this] { return set; });
  }
};

NtStatus SignalAndKeep(DeviceObject* device, Irp* irp, void* context) {
  static_cast<Signal*>(context)->Set();
  return NtStatus::MoreProcessingRequired;
}

NtStatus WaitingDispatch(DeviceObject* device, Irp* irp) {
  auto* filter = device->Extension<WaitingFilter>();
  Signal lowerDone;
  IoCopyCurrentIrpStackLocationToNext(irp);
  IoSetCompletionRoutine(irp, SignalAndKeep, &lowerDone, true, true, true);
  NtStatus status = IoCallDriver(filter->lower, irp);
  filter->journal->Add(std::string("lower returned ") + std::string(StatusName(status)));
  lowerDone.Wait();
  filter->journal->Add("waiting filter resumed");
  EXPECT_FALSE(irp->completed.load()) << "the guard is re-armed for the second pass";
  irp->ioStatus.information += 100;
  return IoCompleteWith(irp, irp->ioStatus.status, irp->ioStatus.information);
}

NtStatus WaitingFilterEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(WaitingDispatch);
  return NtStatus::Success;
}

// bottom <- waiting filter <- top layer.
struct WaitingStack {
  WaitingStack() {
    IoCreateDriver("bottomdrv", test::BottomDriverEntry, "", &bottomDriver);
    IoCreateDriver("waitdrv", WaitingFilterEntry, "", &waitDriver);
    IoCreateDriver("filterdrv", test::FilterDriverEntry, "", &filterDriver);
    IoCreateDevice(bottomDriver, DeviceType::DiskFileSystem, "bottom", 0, &bottom);
    IoCreateDevice(waitDriver, DeviceType::Filter, "waiter", 0, &waiter);
    IoCreateDevice(filterDriver, DeviceType::Filter, "top", 0, &top);
    bottomState = &bottom->CreateExtension<test::Bottom>();
    bottomState->journal = &journal;
    auto& wait = waiter->CreateExtension<WaitingFilter>();
    wait.journal = &journal;
    wait.lower = IoAttachDeviceToDeviceStack(waiter, bottom);
    auto& layer = top->CreateExtension<test::Layer>();
    layer.name = "top";
    layer.journal = &journal;
    layer.lower = IoAttachDeviceToDeviceStack(top, bottom);
  }
  ~WaitingStack() {
    IoDetachDevice(waiter);
    IoDetachDevice(bottom);
    IoUnloadDriver(filterDriver);
    IoUnloadDriver(waitDriver);
    IoUnloadDriver(bottomDriver);
  }
  test::Journal journal;
  DriverObject *bottomDriver, *waitDriver, *filterDriver;
  DeviceObject *bottom, *waiter, *top;
  test::Bottom* bottomState;
};

TEST(Completion, MoreProcessingRequiredLetsTheFilterCompleteAgain) {
  WaitingStack stack;
  Irp irp;
  PrepareRead(&irp, stack.top, 8);
  EXPECT_EQ(IoCallDriverSynchronous(stack.top, &irp), NtStatus::Success);
  EXPECT_EQ(irp.ioStatus.information, 107u);
  EXPECT_EQ(stack.journal.Entries(), (Entries{
                                         "dispatch top@2",
                                         "dispatch bottom@0 length=8",
                                         "lower returned STATUS_SUCCESS",
                                         "waiting filter resumed",
                                         "complete top device=top",
                                     }));
}

TEST(Completion, MoreProcessingRequiredWithLowerDriverCompletingOnAnotherThread) {
  WaitingStack stack;
  test::LateCompleter completer;
  stack.bottomState->completer = &completer;
  stack.bottomState->status = NtStatus::AccessDenied;
  Irp irp;
  PrepareRead(&irp, stack.top, 8);
  EXPECT_EQ(IoCallDriverSynchronous(stack.top, &irp), NtStatus::AccessDenied);
  EXPECT_EQ(irp.ioStatus.information, 107u);
  EXPECT_EQ(stack.journal.Entries(), (Entries{
                                         "dispatch top@2",
                                         "dispatch bottom@0 length=8",
                                         "lower returned STATUS_PENDING",
                                         "waiting filter resumed",
                                         "complete top device=top",
                                     }));
}

// A routine that takes the IRP back and leaves it parked for the test to finish later.
struct Parked {
  Irp* irp = nullptr;
  DeviceObject* device = nullptr;
  int calls = 0;
};

NtStatus ParkIrp(DeviceObject* device, Irp* irp, void* context) {
  auto* parked = static_cast<Parked*>(context);
  parked->irp = irp;
  parked->device = device;
  ++parked->calls;
  return NtStatus::MoreProcessingRequired;
}

struct DoneCount {
  int calls = 0;
};

void CountDone(Irp*, void* context) {
  ++static_cast<DoneCount*>(context)->calls;
}

TEST(Completion, ParkedIrpIsFinishedByALaterCompletion) {
  test::ThreeDeepStack stack;
  stack.middleLayer->setCompletionRoutine = false;
  stack.topLayer->setCompletionRoutine = false;
  Irp irp;
  PrepareRead(&irp, stack.top, 3);
  Parked parked;
  DoneCount done;
  // The originator's own routine in the top location parks the IRP.
  IoSetCompletionRoutine(&irp, ParkIrp, &parked, true, true, true);
  IoSetOriginatorCompletion(&irp, CountDone, &done);
  EXPECT_EQ(IoCallDriver(stack.top, &irp), NtStatus::Success);
  EXPECT_EQ(parked.calls, 1);
  EXPECT_EQ(parked.irp, &irp);
  EXPECT_EQ(parked.device, nullptr) << "a routine in the top location has no device above";
  EXPECT_EQ(done.calls, 0) << "the originator hears nothing while the IRP is parked";
  EXPECT_FALSE(irp.done.load());

  IoCompleteWith(&irp, NtStatus::DataError, 0);
  EXPECT_EQ(parked.calls, 1) << "a routine runs once; its location was cleared";
  EXPECT_EQ(done.calls, 1);
  EXPECT_TRUE(irp.done.load());
  EXPECT_EQ(irp.ioStatus.status, NtStatus::DataError);
}

TEST(Completion, RoutineCanRetryTheIrpDownTheStack) {
  // An IRP taken back with MORE_PROCESSING_REQUIRED may be sent down again (a retry):
  // the walk has popped its locations, so it goes out like a fresh one.
  test::ThreeDeepStack stack;
  stack.topLayer->setCompletionRoutine = false;
  stack.middleLayer->setCompletionRoutine = false;
  Irp irp;
  PrepareRead(&irp, stack.top, 3);
  Parked parked;
  IoSetCompletionRoutine(&irp, ParkIrp, &parked, true, true, true);
  IoCallDriver(stack.top, &irp);
  ASSERT_EQ(parked.calls, 1);
  // The walk stopped one past the top; send it again like a fresh originator would.
  EXPECT_EQ(irp.currentLocation, irp.stackCount);
  IoGetNextIrpStackLocation(&irp)->majorFunction = IrpMajor::Read;
  IoGetNextIrpStackLocation(&irp)->parameters.read.length = 4;
  EXPECT_EQ(IoCallDriverSynchronous(stack.top, &irp), NtStatus::Success);
  Entries entries = stack.journal.Entries();
  EXPECT_EQ(entries.back(), "dispatch bottom@0 length=4");
}

class CompletionDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(CompletionDeathTest, SecondCompletionAborts) {
  Irp irp;
  IoInitializeIrp(&irp, 1);
  IoCompleteWith(&irp, NtStatus::Success);
  EXPECT_DEATH(IoCompleteWith(&irp, NtStatus::Success), "completed twice");
}

TEST_F(CompletionDeathTest, CompletingWithPendingAborts) {
  Irp irp;
  IoInitializeIrp(&irp, 1);
  EXPECT_DEATH(IoCompleteWith(&irp, NtStatus::Pending), "STATUS_PENDING");
}

TEST_F(CompletionDeathTest, CallingPastTheBottomLocationAborts) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("d", nullptr, "", &driver), NtStatus::Success);
  DeviceObject* device = nullptr;
  ASSERT_EQ(IoCreateDevice(driver, DeviceType::Disk, "d", 0, &device), NtStatus::Success);
  Irp irp;
  IoInitializeIrp(&irp, 1);
  irp.currentLocation = 0;  // the bottom driver forwarding further down
  EXPECT_DEATH(IoCallDriver(device, &irp), "past the last stack location");
  IoUnloadDriver(driver);
}

TEST_F(CompletionDeathTest, CallingANullDeviceAborts) {
  Irp irp;
  IoInitializeIrp(&irp, 1);
  EXPECT_DEATH(IoCallDriver(nullptr, &irp), "null device");
}

}  // namespace
}  // namespace irpfs
