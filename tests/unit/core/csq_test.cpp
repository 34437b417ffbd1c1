// The cancel-safe queue: ordering, removal by context, cancellation, and the race between
// cancel and removal.
#include "core/csq.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/io_manager.h"
#include "support/tracked_irp.h"

namespace irpfs {
namespace {

bool SamePid(Irp* irp, void* peekContext) {
  return irp->requestor.pid == *static_cast<pid_t*>(peekContext);
}

// A device whose every IRP is pended in its queue; the CsqIrpContext to use, if any,
// rides in the IRP's first driver-context slot above the queue's own (slots 0 and 1).
struct QueueDevice {
  explicit QueueDevice(ListCancelSafeQueue::Match match) : queue(match) {}
  ListCancelSafeQueue queue;
};

NtStatus QueueDispatch(DeviceObject* device, Irp* irp) {
  auto* context = static_cast<CsqIrpContext*>(irp->driverContext[3]);
  irp->driverContext[3] = nullptr;
  IoMarkIrpPending(irp);
  return device->Extension<QueueDevice>()->queue.Insert(irp, context);
}

NtStatus QueueDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(QueueDispatch);
  return NtStatus::Success;
}

using test_irp::TrackCompletion;
using test_irp::Tracked;

class CsqTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(nullptr); }
  void TearDown() override { IoUnloadDriver(driver_); }

  void Build(ListCancelSafeQueue::Match match) {
    if (driver_ != nullptr) IoUnloadDriver(driver_);
    ASSERT_EQ(IoCreateDriver("queuedrv", QueueDriverEntry, "", &driver_), NtStatus::Success);
    ASSERT_EQ(IoCreateDevice(driver_, DeviceType::Unknown, "q", 0, &device_), NtStatus::Success);
    queue_ = &device_->CreateExtension<QueueDevice>(match).queue;
  }

 public:
  void Prepare(Tracked* tracked, pid_t pid = 0) {
    IoInitializeIrp(&tracked->irp, 1);
    tracked->irp.requestor.pid = pid;
    IoGetNextIrpStackLocation(&tracked->irp)->majorFunction = IrpMajor::LockControl;
    IoSetOriginatorCompletion(&tracked->irp, TrackCompletion, tracked);
  }

  NtStatus Send(Tracked* tracked, CsqIrpContext* context = nullptr) {
    tracked->irp.driverContext[3] = context;
    return IoCallDriver(device_, &tracked->irp);
  }

 protected:
  DriverObject* driver_ = nullptr;
  DeviceObject* device_ = nullptr;
  ListCancelSafeQueue* queue_ = nullptr;
};

TEST_F(CsqTest, RemoveNextIsFirstInFirstOut) {
  Tracked a, b, c;
  for (Tracked* t : {&a, &b, &c}) {
    Prepare(t);
    EXPECT_EQ(Send(t), NtStatus::Pending);
  }
  EXPECT_FALSE(queue_->Empty());
  EXPECT_EQ(queue_->RemoveNext(), &a.irp);
  EXPECT_EQ(queue_->RemoveNext(), &b.irp);
  EXPECT_EQ(queue_->RemoveNext(), &c.irp);
  EXPECT_EQ(queue_->RemoveNext(), nullptr);
  EXPECT_TRUE(queue_->Empty());
  for (Tracked* t : {&a, &b, &c}) {
    EXPECT_EQ(t->completions.load(), 0) << "removal does not complete";
    EXPECT_EQ(t->irp.cancelRoutine.load(), nullptr);
    IoCompleteWith(&t->irp, NtStatus::Success);
    EXPECT_EQ(t->completions.load(), 1);
  }
}

TEST_F(CsqTest, PeekContextSelectsMatchingIrps) {
  Build(SamePid);
  Tracked a, b, c;
  Prepare(&a, 10);
  Prepare(&b, 20);
  Prepare(&c, 10);
  for (Tracked* t : {&a, &b, &c}) Send(t);
  pid_t twenty = 20, ten = 10, thirty = 30;
  EXPECT_EQ(queue_->RemoveNext(&thirty), nullptr);
  EXPECT_EQ(queue_->RemoveNext(&ten), &a.irp);
  EXPECT_EQ(queue_->RemoveNext(&ten), &c.irp);
  EXPECT_EQ(queue_->RemoveNext(&ten), nullptr);
  EXPECT_EQ(queue_->RemoveNext(&twenty), &b.irp);
  EXPECT_TRUE(queue_->Empty());
  for (Tracked* t : {&a, &b, &c}) IoCompleteWith(&t->irp, NtStatus::Success);
}

TEST_F(CsqTest, RemoveByContextTakesThatIrpOnly) {
  Tracked a, b, c;
  CsqIrpContext contextB;
  Prepare(&a);
  Prepare(&b);
  Prepare(&c);
  Send(&a);
  Send(&b, &contextB);
  Send(&c);
  EXPECT_EQ(contextB.irp, &b.irp);
  EXPECT_EQ(contextB.csq, queue_);
  EXPECT_EQ(queue_->Remove(&contextB), &b.irp);
  EXPECT_EQ(contextB.irp, nullptr);
  EXPECT_EQ(queue_->Remove(&contextB), nullptr) << "already removed";
  EXPECT_EQ(queue_->RemoveNext(), &a.irp);
  EXPECT_EQ(queue_->RemoveNext(), &c.irp);
  for (Tracked* t : {&a, &b, &c}) IoCompleteWith(&t->irp, NtStatus::Success);
}

TEST_F(CsqTest, RemoveNextClearsTheContextOfTheIrpItTakes) {
  Tracked a;
  CsqIrpContext context;
  Prepare(&a);
  Send(&a, &context);
  EXPECT_EQ(queue_->RemoveNext(), &a.irp);
  EXPECT_EQ(context.irp, nullptr);
  EXPECT_EQ(queue_->Remove(&context), nullptr);
  IoCompleteWith(&a.irp, NtStatus::Success);
}

TEST_F(CsqTest, CancelingAQueuedIrpCompletesItCancelled) {
  Tracked a, b;
  CsqIrpContext contextA;
  Prepare(&a);
  Prepare(&b);
  Send(&a, &contextA);
  Send(&b);
  EXPECT_TRUE(IoCancelIrp(&a.irp));
  EXPECT_EQ(a.completions.load(), 1);
  EXPECT_EQ(a.finalStatus.load(), NtStatus::Cancelled);
  EXPECT_EQ(contextA.irp, nullptr);
  EXPECT_EQ(queue_->Remove(&contextA), nullptr);
  EXPECT_FALSE(IoCancelIrp(&a.irp)) << "the cancel routine runs once";
  EXPECT_EQ(queue_->RemoveNext(), &b.irp);
  EXPECT_EQ(queue_->RemoveNext(), nullptr);
  IoCompleteWith(&b.irp, NtStatus::Success);
  EXPECT_EQ(a.completions.load(), 1);
}

TEST_F(CsqTest, IrpCanceledBeforeInsertIsCompletedByInsert) {
  Tracked a;
  CsqIrpContext context;
  Prepare(&a);
  EXPECT_FALSE(IoCancelIrp(&a.irp)) << "nothing to call yet";
  EXPECT_TRUE(a.irp.cancel.load());
  EXPECT_EQ(Send(&a, &context), NtStatus::Cancelled);
  EXPECT_EQ(a.completions.load(), 1);
  EXPECT_EQ(a.finalStatus.load(), NtStatus::Cancelled);
  EXPECT_EQ(context.irp, nullptr);
  EXPECT_TRUE(queue_->Empty());
}

TEST_F(CsqTest, RemovedIrpIsNoLongerCancelable) {
  Tracked a;
  Prepare(&a);
  Send(&a);
  ASSERT_EQ(queue_->RemoveNext(), &a.irp);
  EXPECT_FALSE(IoCancelIrp(&a.irp));
  EXPECT_TRUE(a.irp.cancel.load()) << "the flag is still raised for the driver to see";
  EXPECT_EQ(a.completions.load(), 0);
  IoCompleteWith(&a.irp, NtStatus::Success);
  EXPECT_EQ(a.finalStatus.load(), NtStatus::Success);
}

// Inserters, removers and cancelers all at once. Every IRP must complete exactly once,
// as canceled precisely when a cancel won it (IoCancelIrp ran the routine, or Insert
// found it canceled), and as removed otherwise.
struct RaceOutcome {
  int cancelRoutinesRun = 0;
  int insertsCancelled = 0;
  int removed = 0;
};

RaceOutcome RunRace(CsqTest* test, ListCancelSafeQueue* queue, int irps, int cancelLead) {
  constexpr int kInserters = 2, kRemovers = 3, kCancelers = 3;
  auto tracked = std::make_unique<Tracked[]>(irps);
  for (int i = 0; i < irps; ++i) test->Prepare(&tracked[i]);

  std::atomic<int> completedByRemover{0};
  std::atomic<int> cancelRoutinesRun{0};
  std::atomic<int> insertsCancelled{0};
  std::atomic<int> sent{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;

  for (int t = 0; t < kInserters; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = t; i < irps; i += kInserters) {
        if (test->Send(&tracked[i]) == NtStatus::Cancelled) insertsCancelled.fetch_add(1);
        sent.fetch_add(1);
      }
    });
  }
  for (int t = 0; t < kCancelers; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      // Every other IRP, so that some are never canceled at all, paced against the
      // inserters: a negative lead cancels ahead of insertion, a positive one behind it.
      for (int i = 2 * t; i < irps; i += 2 * kCancelers) {
        int target = std::min(i + cancelLead, irps);
        while (sent.load() < target) std::this_thread::yield();
        if (IoCancelIrp(&tracked[i].irp)) cancelRoutinesRun.fetch_add(1);
      }
    });
  }
  auto allDone = [&] {
    return completedByRemover.load() + cancelRoutinesRun.load() + insertsCancelled.load() == irps;
  };
  for (int t = 0; t < kRemovers; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      while (!allDone()) {
        Irp* irp = queue->RemoveNext();
        if (irp == nullptr) {
          std::this_thread::yield();
          continue;
        }
        IoCompleteWith(irp, NtStatus::Success);
        completedByRemover.fetch_add(1);
      }
    });
  }
  go.store(true);
  for (auto& thread : threads) thread.join();

  int cancelled = 0, succeeded = 0;
  for (int i = 0; i < irps; ++i) {
    EXPECT_EQ(tracked[i].completions.load(), 1) << "irp " << i;
    NtStatus status = tracked[i].finalStatus.load();
    if (status == NtStatus::Cancelled) {
      ++cancelled;
      EXPECT_EQ(i % 2, 0) << "only IRPs a canceler touched can be canceled";
    } else {
      EXPECT_EQ(status, NtStatus::Success) << "irp " << i;
      ++succeeded;
    }
  }
  EXPECT_EQ(cancelled, cancelRoutinesRun.load() + insertsCancelled.load());
  EXPECT_EQ(succeeded, completedByRemover.load());
  EXPECT_TRUE(queue->Empty());
  return {cancelRoutinesRun.load(), insertsCancelled.load(), completedByRemover.load()};
}

TEST_F(CsqTest, CancelRacingRemovalCompletesEachIrpExactlyOnce) {
  RaceOutcome total;
  for (int lead : {-32, -2, 0, 2, 32}) {
    SCOPED_TRACE("cancel lead " + std::to_string(lead));
    RaceOutcome round = RunRace(this, queue_, 2000, lead);
    total.cancelRoutinesRun += round.cancelRoutinesRun;
    total.insertsCancelled += round.insertsCancelled;
    total.removed += round.removed;
  }
  RecordProperty("cancelRoutinesRun", total.cancelRoutinesRun);
  RecordProperty("insertsCancelled", total.insertsCancelled);
  RecordProperty("removed", total.removed);
}

TEST(CancelRoutine, SetReturnsThePreviousAndCancelRunsItOnce) {
  static int calls;
  static DeviceObject* seenDevice;
  calls = 0;
  seenDevice = reinterpret_cast<DeviceObject*>(0x1);
  Irp irp;
  IoInitializeIrp(&irp, 2);
  CancelRoutine routine = [](DeviceObject* device, Irp*) {
    ++calls;
    seenDevice = device;
  };
  EXPECT_EQ(IoSetCancelRoutine(&irp, routine), nullptr);
  EXPECT_EQ(IoSetCancelRoutine(&irp, routine), routine);
  EXPECT_TRUE(IoCancelIrp(&irp));
  EXPECT_TRUE(irp.cancel.load());
  EXPECT_FALSE(IoCancelIrp(&irp));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seenDevice, nullptr) << "not yet sent anywhere: no current device";
  EXPECT_EQ(IoSetCancelRoutine(&irp, nullptr), nullptr);
}

}  // namespace
}  // namespace irpfs
