// The faults filter's DelayQueue: core/csq.h's list queue kept in due-time order. Checks
// the order (due time, then arrival), the early stop at the first IRP not yet due, and
// that cancellation still goes through the CSQ protocol it inherits.
#include "drivers/filters/faults/delay_queue.h"

#include <gtest/gtest.h>

#include <atomic>

#include "core/io_manager.h"
#include "support/tracked_irp.h"

namespace irpfs::faults {
namespace {

struct QueueDevice {
  DelayQueue queue;
};

NtStatus QueueDispatch(DeviceObject* device, Irp* irp) {
  IoMarkIrpPending(irp);
  return device->Extension<QueueDevice>()->queue.InsertDelayed(irp);
}

NtStatus QueueDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(QueueDispatch);
  return NtStatus::Success;
}

using test_irp::TrackCompletion;
using test_irp::Tracked;

class DelayQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(IoCreateDriver("delaydrv", QueueDriverEntry, "", &driver_), NtStatus::Success);
    ASSERT_EQ(IoCreateDevice(driver_, DeviceType::Unknown, "dq", 0, &device_), NtStatus::Success);
    queue_ = &device_->CreateExtension<QueueDevice>().queue;
  }
  void TearDown() override { IoUnloadDriver(driver_); }

  // Pends `tracked` in the queue, due at `dueNs`.
  void Queue(Tracked* tracked, uint64_t dueNs) {
    IoInitializeIrp(&tracked->irp, 1);
    IoGetNextIrpStackLocation(&tracked->irp)->majorFunction = IrpMajor::Read;
    IoSetOriginatorCompletion(&tracked->irp, TrackCompletion, tracked);
    DelayQueue::SetDue(&tracked->irp, dueNs);
    ASSERT_EQ(IoCallDriver(device_, &tracked->irp), NtStatus::Pending);
  }

  DriverObject* driver_ = nullptr;
  DeviceObject* device_ = nullptr;
  DelayQueue* queue_ = nullptr;
};

TEST_F(DelayQueueTest, DueTimeOrderWithArrivalOrderForEqualDelays) {
  Tracked late, early, middle, earlyToo;
  Queue(&late, 30);
  Queue(&early, 10);
  Queue(&middle, 20);
  Queue(&earlyToo, 10);
  EXPECT_EQ(queue_->NextDue(), 10u);
  EXPECT_EQ(queue_->RemoveDue(5), nullptr) << "nothing is due yet";
  EXPECT_EQ(queue_->RemoveDue(15), &early.irp);
  EXPECT_EQ(queue_->RemoveDue(15), &earlyToo.irp) << "equal due times keep arrival order";
  EXPECT_EQ(queue_->RemoveDue(15), nullptr) << "the head (20) is not due: no scan past it";
  EXPECT_EQ(queue_->NextDue(), 20u);
  EXPECT_EQ(queue_->RemoveDue(100), &middle.irp);
  EXPECT_EQ(queue_->RemoveDue(100), &late.irp);
  EXPECT_EQ(queue_->NextDue(), UINT64_MAX);
  EXPECT_TRUE(queue_->Empty());
  for (Tracked* t : {&early, &earlyToo, &middle, &late}) {
    EXPECT_EQ(t->completions.load(), 0) << "removed IRPs are the remover's to complete";
    IoCompleteWith(&t->irp, NtStatus::Success);
  }
}

TEST_F(DelayQueueTest, CancelingAQueuedIrpCompletesItAndLeavesTheOthersInOrder) {
  Tracked first, second, third;
  Queue(&first, 10);
  Queue(&second, 20);
  Queue(&third, 30);
  EXPECT_TRUE(IoCancelIrp(&second.irp));
  EXPECT_EQ(second.completions.load(), 1);
  EXPECT_EQ(second.finalStatus.load(), NtStatus::Cancelled);
  EXPECT_EQ(queue_->RemoveAny(), &first.irp);
  EXPECT_EQ(queue_->RemoveAny(), &third.irp);
  EXPECT_EQ(queue_->RemoveAny(), nullptr);
  EXPECT_FALSE(IoCancelIrp(&first.irp)) << "a removed IRP has no cancel routine";
  IoCompleteWith(&first.irp, NtStatus::Success);
  IoCompleteWith(&third.irp, NtStatus::Success);
  EXPECT_EQ(first.completions.load(), 1);
  EXPECT_EQ(third.completions.load(), 1);
}

}  // namespace
}  // namespace irpfs::faults
