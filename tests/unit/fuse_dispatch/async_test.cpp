// The asynchronous path: a filter above memfs parks READ IRPs in a cancel-safe queue, so
// the dispatcher method returns with the IRP pending. The reply must come when the filter
// lets the IRP go on (from another thread), or EINTR when FUSE_INTERRUPT cancels it.
#include <atomic>
#include <thread>
#include <vector>

#include "core/csq.h"
#include "core/io_manager.h"
#include "dispatch_harness.h"

namespace irpfs::fuse::testing {
namespace {

struct ParkingExtension {
  DeviceObject* lower = nullptr;
  std::atomic<bool> park{true};
  std::atomic<int> parked{0};
  ListCancelSafeQueue queue;
};

NtStatus PassDown(DeviceObject* device, Irp* irp) {
  IoSkipCurrentIrpStackLocation(irp);
  return IoCallDriver(device->Extension<ParkingExtension>()->lower, irp);
}

NtStatus ParkRead(DeviceObject* device, Irp* irp) {
  auto* ext = device->Extension<ParkingExtension>();
  if (!ext->park.load()) return PassDown(device, irp);
  IoMarkIrpPending(irp);
  ++ext->parked;
  ext->queue.Insert(irp);  // completes it as canceled itself if it already was
  return NtStatus::Pending;
}

NtStatus ParkingEntry(DriverObject* driver, std::string_view) {
  for (DispatchRoutine& routine : driver->majorFunction) routine = &PassDown;
  driver->majorFunction[static_cast<int>(IrpMajor::Read)] = &ParkRead;
  return NtStatus::Success;
}

class AsyncTest : public DispatchTest {
 protected:
  void SetUp() override {
    DispatchTest::SetUp();
    // The dispatcher finds the top of the stack per IRP, so the filter may come now.
    ext_ = AttachFilter<ParkingExtension>("parking", &ParkingEntry);
    ASSERT_NE(ext_, nullptr);
    MustCreate(kRootId, "f", &file_, &fh_);
    ASSERT_EQ(Write(file_, fh_, 0, "parked data").error, 0);
  }
  void TearDown() override {
    ext_->park = false;
    ReleaseParked();
    EXPECT_EQ(Release(file_, fh_).error, 0);
    DetachFilter();
    DispatchTest::TearDown();
  }
  // Lets every parked READ go on down, on this thread.
  int ReleaseParked() {
    int released = 0;
    while (Irp* irp = ext_->queue.RemoveNext()) {
      PassDown(filter_, irp);
      ++released;
    }
    return released;
  }
  RequestContext StartRead(uint64_t offset, uint32_t size) {
    RequestContext ctx = Ctx(Opcode::kRead, file_);
    fuse_read_in in{};
    in.fh = fh_;
    in.offset = offset;
    in.size = size;
    dispatcher().Read(ctx, in, NewReply(ctx));
    return ctx;
  }

  ParkingExtension* ext_ = nullptr;
  uint64_t file_ = 0, fh_ = 0;
};

TEST_F(AsyncTest, PendedReadIsAnsweredWhenTheDriverCompletesIt) {
  RequestContext ctx = StartRead(7, 100);
  // The dispatcher returned; the request waits in the filter.
  EXPECT_FALSE(ReplyWaiting(50));
  EXPECT_EQ(ext_->parked.load(), 1);
  EXPECT_EQ(dispatcher().OperationsInFlight(), 1u);

  std::thread driverThread([&] { EXPECT_EQ(ReleaseParked(), 1); });
  Answer answer = Receive();
  driverThread.join();
  EXPECT_EQ(answer.unique, ctx.unique);
  EXPECT_EQ(answer.error, 0);
  EXPECT_EQ(answer.Text(), "data");
  EXPECT_EQ(dispatcher().OperationsInFlight(), 0u);
}

TEST_F(AsyncTest, InterruptCancelsAPendedRead) {
  RequestContext ctx = StartRead(0, 100);
  EXPECT_FALSE(ReplyWaiting(50));
  requests().Interrupt(ctx.unique, ctx.unique | 1, fds_[0]);
  Answer answer = Receive();
  EXPECT_EQ(answer.unique, ctx.unique);
  EXPECT_EQ(answer.error, EINTR);
  EXPECT_EQ(ReleaseParked(), 0);
  EXPECT_EQ(dispatcher().OperationsInFlight(), 0u);
}

TEST_F(AsyncTest, ManyPendedReadsCompleteFromAnotherThread) {
  constexpr int kReads = 16;
  std::vector<uint64_t> uniques;
  for (int i = 0; i < kReads; ++i) uniques.push_back(StartRead(i % 7, 4).unique);
  EXPECT_EQ(dispatcher().OperationsInFlight(), static_cast<size_t>(kReads));
  // Interrupt every other one (each completes canceled, on this thread), then let a
  // driver thread release the rest.
  for (int i = 0; i < kReads; i += 2) requests().Interrupt(uniques[i], uniques[i] | 1, fds_[0]);
  std::thread driverThread([&] { EXPECT_EQ(ReleaseParked(), kReads / 2); });
  int ok = 0, interrupted = 0;
  for (int i = 0; i < kReads; ++i) {
    Answer answer = Receive();
    bool even = false;
    for (int j = 0; j < kReads; j += 2) even |= answer.unique == uniques[j];
    if (even) {
      EXPECT_EQ(answer.error, EINTR);
      ++interrupted;
    } else {
      EXPECT_EQ(answer.error, 0);
      EXPECT_EQ(answer.payload.size(), 4u);
      ++ok;
    }
  }
  driverThread.join();
  EXPECT_EQ(ok, kReads / 2);
  EXPECT_EQ(interrupted, kReads / 2);
  EXPECT_EQ(dispatcher().OperationsInFlight(), 0u);
}

TEST_F(AsyncTest, ReleaseWithAReadStillParkedClosesAfterIt) {
  RequestContext ctx = StartRead(0, 6);
  EXPECT_FALSE(ReplyWaiting(50));
  uint64_t other = MustOpen(file_, O_RDONLY);
  // The kernel would not release a handle in use; the dispatcher must survive it anyway:
  // the parked IRP holds its own reference on the FileObject.
  EXPECT_EQ(Release(file_, other).error, 0);
  EXPECT_EQ(ReleaseParked(), 1);
  Answer answer = Receive();
  EXPECT_EQ(answer.unique, ctx.unique);
  EXPECT_EQ(answer.Text(), "parked");
}

}  // namespace
}  // namespace irpfs::fuse::testing
