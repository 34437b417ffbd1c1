// IRP_MJ_LOCK_CONTROL: POSIX byte-range locks, flock locks in their own space, blocking
// locks, cancel, cleanup, and NT mandatory locking of READ/WRITE.
#include <chrono>
#include <thread>

#include "fsclass/byte_range_locks.h"
#include "fsclass_harness.h"
#include "support/lock_irps.h"

namespace irpfs::fsclass::testing {
namespace {

constexpr uint8_t kExclusive = sl::kExclusiveLock;
constexpr uint8_t kNoWait = sl::kFailImmediately;

class LockTest : public FsClassTest {
 protected:
  void SetUp() override {
    FsClassTest::SetUp();
    a_ = MakeFile("/f", std::string(200, 'x'));
    b_ = MustOpen({.name = "/f", .access = access::kGenericRead | access::kGenericWrite});
  }
  void TearDown() override {
    Close(a_);
    Close(b_);
    FsClassTest::TearDown();
  }

  // A record lock whose pid is its owner, so that QueryLock shows which owner conflicts.
  static test_volume::LockArgs Range(uint64_t offset, uint64_t length, uint64_t owner) {
    return {LockSpace::kRange, offset, length, owner, static_cast<pid_t>(owner)};
  }
  static void FillLock(IoStackLocation* sl, uint64_t offset, uint64_t length, uint64_t owner) {
    test_volume::FillLock(sl, Range(offset, length, owner));
  }

  NtStatus Lock(FileObject* fo, uint64_t offset, uint64_t length, uint64_t owner, uint8_t flags) {
    return Send(fo, IrpMajor::LockControl, minor::kLock, flags,
                [&](IoStackLocation* sl) { FillLock(sl, offset, length, owner); });
  }
  NtStatus Unlock(FileObject* fo, uint64_t offset, uint64_t length, uint64_t owner) {
    return Send(fo, IrpMajor::LockControl, minor::kUnlockSingle, 0,
                [&](IoStackLocation* sl) { FillLock(sl, offset, length, owner); });
  }
  LockConflictInfo QueryLock(FileObject* fo, uint64_t offset, uint64_t length, uint64_t owner,
                             bool exclusive) {
    LockConflictInfo info;
    EXPECT_EQ(Send(
                  fo, IrpMajor::LockControl, minor::kQueryLock, exclusive ? kExclusive : 0,
                  [&](IoStackLocation* sl) { FillLock(sl, offset, length, owner); }, &info),
              NtStatus::Success);
    return info;
  }

  // flock(2): the whole file, owned by the open; `owner` is sent to show it is ignored.
  NtStatus Flock(FileObject* fo, uint8_t minor, uint8_t flags, uint64_t owner = 9) {
    return Send(fo, IrpMajor::LockControl, minor, flags, [&](IoStackLocation* sl) {
      test_volume::FillLock(sl, {LockSpace::kFlock, 0, 1, owner, static_cast<pid_t>(owner)});
    });
  }

  // A blocking lock sent without waiting; the IRP completes later (done flag).
  Irp* StartBlockingLock(FileObject* fo, uint64_t offset, uint64_t length, uint64_t owner,
                         NtStatus* dispatched) {
    return test_volume::StartExclusiveLock(volume_, fo, Range(offset, length, owner), dispatched);
  }
  static NtStatus Finish(Irp* irp) { return test_volume::FinishIrp(irp); }
  static bool StillPending(Irp* irp) {
    return test_volume::StillPendingAfter(irp, std::chrono::milliseconds(20));
  }

  FileObject* a_ = nullptr;
  FileObject* b_ = nullptr;
};

TEST_F(LockTest, ExclusiveConflictsAcrossOwnersNotWithin) {
  EXPECT_EQ(Lock(a_, 0, 100, 1, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(a_, 50, 10, 1, kExclusive | kNoWait), NtStatus::Success);  // same owner
  EXPECT_EQ(Lock(b_, 99, 10, 2, kNoWait), NtStatus::LockNotGranted);
  EXPECT_EQ(Lock(b_, 100, 10, 2, kExclusive | kNoWait), NtStatus::Success);  // adjacent
}

TEST_F(LockTest, SharedLocksCoexist) {
  EXPECT_EQ(Lock(a_, 0, 10, 1, kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 0, 10, 2, kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 5, 10, 3, kExclusive | kNoWait), NtStatus::LockNotGranted);
}

TEST_F(LockTest, UnlockOfSubrangeSplits) {
  EXPECT_EQ(Lock(a_, 0, 100, 1, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Unlock(a_, 40, 20, 1), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 45, 10, 2, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 10, 10, 2, kNoWait), NtStatus::LockNotGranted);
  EXPECT_EQ(Lock(b_, 80, 10, 2, kNoWait), NtStatus::LockNotGranted);
}

TEST_F(LockTest, SameOwnerConversionSplitsRange) {
  EXPECT_EQ(Lock(a_, 0, 100, 1, kNoWait), NtStatus::Success);  // shared
  EXPECT_EQ(Lock(a_, 20, 10, 1, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 0, 10, 2, kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 20, 1, 2, kNoWait), NtStatus::LockNotGranted);
  EXPECT_EQ(Lock(b_, 40, 10, 2, kNoWait), NtStatus::Success);
}

TEST_F(LockTest, QueryLockReportsTheConflict) {
  EXPECT_EQ(Lock(a_, 10, 20, 7, kExclusive | kNoWait), NtStatus::Success);
  LockConflictInfo info = QueryLock(b_, 0, 15, 8, false);
  EXPECT_TRUE(info.conflict);
  EXPECT_TRUE(info.exclusive);
  EXPECT_EQ(info.byteOffset, 10u);
  EXPECT_EQ(info.length, 20u);
  EXPECT_EQ(info.pid, 7);
  EXPECT_FALSE(QueryLock(b_, 30, 15, 8, true).conflict);
  EXPECT_FALSE(QueryLock(a_, 0, 100, 7, true).conflict);  // own lock
}

TEST_F(LockTest, ToEndOfFileLocksEverythingAfter) {
  EXPECT_EQ(Lock(a_, 1000, kLockToEnd, 1, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(b_, UINT64_MAX - 5, 2, 2, kNoWait), NtStatus::LockNotGranted);
  EXPECT_EQ(Lock(b_, 0, 1000, 2, kNoWait), NtStatus::Success);
}

TEST_F(LockTest, BlockingLockIsGrantedOnUnlock) {
  EXPECT_EQ(Lock(a_, 0, 10, 1, kExclusive | kNoWait), NtStatus::Success);
  NtStatus dispatched;
  Irp* waiter = StartBlockingLock(b_, 5, 10, 2, &dispatched);
  EXPECT_EQ(dispatched, NtStatus::Pending);
  EXPECT_TRUE(StillPending(waiter));
  EXPECT_EQ(Unlock(a_, 0, 10, 1), NtStatus::Success);
  EXPECT_EQ(Finish(waiter), NtStatus::Success);
  // Owner 2 holds it now.
  EXPECT_EQ(Lock(a_, 5, 1, 1, kNoWait), NtStatus::LockNotGranted);
}

TEST_F(LockTest, CancelCompletesBlockingLock) {
  EXPECT_EQ(Lock(a_, 0, 10, 1, kExclusive | kNoWait), NtStatus::Success);
  NtStatus dispatched;
  Irp* waiter = StartBlockingLock(b_, 0, 10, 2, &dispatched);
  EXPECT_EQ(dispatched, NtStatus::Pending);
  EXPECT_TRUE(IoCancelIrp(waiter));
  EXPECT_EQ(Finish(waiter), NtStatus::Cancelled);
  // The canceled waiter took nothing.
  EXPECT_EQ(Unlock(a_, 0, 10, 1), NtStatus::Success);
  EXPECT_EQ(Lock(a_, 0, 10, 3, kExclusive | kNoWait), NtStatus::Success);
}

TEST_F(LockTest, CleanupCancelsWaitersAndReleasesLocks) {
  EXPECT_EQ(Lock(a_, 0, 10, 1, kExclusive | kNoWait), NtStatus::Success);
  FileObject* c = MustOpen({.name = "/f"});
  NtStatus dispatched;
  Irp* fromB = StartBlockingLock(b_, 0, 10, 2, &dispatched);
  Irp* fromC = StartBlockingLock(c, 0, 10, 3, &dispatched);
  EXPECT_TRUE(StillPending(fromB));
  ObReferenceObject(c);  // the pending IRP's reference, as the I/O manager would hold
  Close(c);              // CLEANUP of c: its waiter goes
  EXPECT_EQ(Finish(fromC), NtStatus::Cancelled);
  ObDereferenceObject(c);
  Close(a_);  // CLEANUP of a: its locks go, b's waiter gets the range
  a_ = nullptr;
  EXPECT_EQ(Finish(fromB), NtStatus::Success);
}

TEST_F(LockTest, UnlockAllByOwner) {
  EXPECT_EQ(Lock(a_, 0, 10, 1, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 20, 10, 1, kExclusive | kNoWait), NtStatus::Success);  // same owner
  EXPECT_EQ(Send(a_, IrpMajor::LockControl, minor::kUnlockAll, 0,
                 [](IoStackLocation* sl) { sl->parameters.lockControl.owner = 1; }),
            NtStatus::Success);
  EXPECT_EQ(Lock(b_, 0, 30, 2, kExclusive | kNoWait), NtStatus::Success);
}

TEST_F(LockTest, FlockAndRecordLocksNeverConflict) {
  // Linux keeps the two apart: a write lock on every byte leaves flock free, and back.
  EXPECT_EQ(Lock(a_, 0, UINT64_MAX, 1, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Flock(b_, minor::kLock, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 0, 10, 2, kNoWait), NtStatus::LockNotGranted);       // records still conflict
  EXPECT_EQ(Flock(a_, minor::kLock, kNoWait), NtStatus::LockNotGranted);  // and flocks too
  EXPECT_EQ(Flock(b_, minor::kUnlockSingle, 0), NtStatus::Success);
  EXPECT_EQ(Flock(a_, minor::kLock, kNoWait), NtStatus::Success);
}

TEST_F(LockTest, FlockBelongsToTheOpenNotToTheOwner) {
  EXPECT_EQ(Flock(a_, minor::kLock, kExclusive | kNoWait, 7), NtStatus::Success);
  // The same owner through another open conflicts (flock is per open file description)...
  EXPECT_EQ(Flock(b_, minor::kLock, kExclusive | kNoWait, 7), NtStatus::LockNotGranted);
  // ...and the open itself converts its lock, whatever owner it names.
  EXPECT_EQ(Flock(a_, minor::kLock, kNoWait, 8), NtStatus::Success);
  EXPECT_EQ(Flock(b_, minor::kLock, kNoWait, 7), NtStatus::Success);  // shared + shared
}

TEST_F(LockTest, RecordLocksOfOneOwnerThroughTwoOpensNeverConflict) {
  EXPECT_EQ(Lock(a_, 0, 100, 5, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 50, 100, 5, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 120, 1, 6, kNoWait), NtStatus::LockNotGranted);
  EXPECT_EQ(Lock(a_, 120, 1, 6, kNoWait), NtStatus::LockNotGranted);
}

TEST_F(LockTest, BlockingFlockWaitsForTheOtherOpen) {
  FileObject* c = MustOpen({.name = "/f"});
  EXPECT_EQ(Flock(c, minor::kLock, kExclusive | kNoWait), NtStatus::Success);
  Irp* irp = IoAllocateIrp(volume_->stackSize);
  IoStackLocation* sl = IoGetNextIrpStackLocation(irp);
  sl->majorFunction = IrpMajor::LockControl;
  sl->minorFunction = minor::kLock;
  sl->flags = kExclusive;
  sl->fileObject = a_;
  sl->parameters.lockControl.space = LockSpace::kFlock;
  EXPECT_EQ(IoCallDriver(volume_, irp), NtStatus::Pending);
  EXPECT_TRUE(StillPending(irp));
  // A record lock is no help and no obstacle.
  EXPECT_EQ(Lock(b_, 0, 10, 3, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_TRUE(StillPending(irp));
  Close(c);  // its flock goes with its last handle
  EXPECT_EQ(Finish(irp), NtStatus::Success);
  EXPECT_EQ(Flock(b_, minor::kLock, kNoWait), NtStatus::LockNotGranted);
}

TEST_F(LockTest, UnknownLockSpaceIsInvalid) {
  EXPECT_EQ(Send(a_, IrpMajor::LockControl, minor::kLock, kNoWait,
                 [](IoStackLocation* sl) {
                   FillLock(sl, 0, 1, 1);
                   sl->parameters.lockControl.space = static_cast<LockSpace>(7);
                 }),
            NtStatus::InvalidParameter);
}

TEST_F(LockTest, AdvisoryByDefault) {
  EXPECT_EQ(Lock(a_, 0, 100, 0, kExclusive | kNoWait), NtStatus::Success);
  std::string data;
  EXPECT_EQ(Read(b_, 0, 10, &data), NtStatus::Success);
  EXPECT_EQ(Write(b_, 0, "y"), NtStatus::Success);
}

class MandatoryLockTest : public LockTest {
 protected:
  VolumeOptions Options() override { return {.name = "nt", .mandatoryLocks = true}; }
};

TEST_F(MandatoryLockTest, ReadWriteHonourOtherOpensLocks) {
  // owner 0: the file object's own lock, as NT's LockFileEx.
  EXPECT_EQ(Lock(a_, 0, 100, 0, kExclusive | kNoWait), NtStatus::Success);
  std::string data;
  EXPECT_EQ(Read(b_, 50, 10, &data), NtStatus::FileLockConflict);
  EXPECT_EQ(Write(b_, 50, "y"), NtStatus::FileLockConflict);
  EXPECT_EQ(Read(b_, 100, 10, &data), NtStatus::Success);
  EXPECT_EQ(Read(a_, 50, 10, &data), NtStatus::Success);
  EXPECT_EQ(Write(a_, 50, "y"), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 150, 10, 0, kNoWait), NtStatus::Success);  // shared
  EXPECT_EQ(Read(a_, 150, 5, &data), NtStatus::Success);
  EXPECT_EQ(Write(b_, 150, "z"), NtStatus::FileLockConflict);  // nobody writes a shared lock
}

}  // namespace
}  // namespace irpfs::fsclass::testing
