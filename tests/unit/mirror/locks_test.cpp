// Host locks through the mirror: record locks are OFD locks on the host file and flock
// locks are flock(2) on it, so a host descriptor and the volume see each other's locks;
// one owner's locks never conflict; blocking waits pend and are cancellable.
#include <sys/file.h>

#include <chrono>
#include <thread>

#include "mirror_fixture.h"
#include "support/lock_irps.h"

namespace irpfs::mirror::testing {
namespace {

constexpr uint8_t kExclusive = sl::kExclusiveLock;
constexpr uint8_t kNoWait = sl::kFailImmediately;

struct HostLock {
  short type;
  off_t start;
  off_t length;
};

class MirrorLockTest : public MirrorTest {
 protected:
  void SetUp() override {
    MirrorTest::SetUp();
    WriteHostFile(Host("f"), std::string(100, 'x'));
    a_ = OpenRW("/f");
    b_ = OpenRW("/f");
    host_ = open(Host("f").c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(host_, 0);
  }
  void TearDown() override {
    Close(a_);
    Close(b_);
    if (host_ >= 0) close(host_);
    EXPECT_EQ(mirror_->PendingLockWaits(), 0u);
    MirrorTest::TearDown();
  }

  static void Fill(IoStackLocation* sl, LockSpace space, uint64_t offset, uint64_t length,
                   uint64_t owner, pid_t pid) {
    test_volume::FillLock(sl, {space, offset, length, owner, pid});
  }
  NtStatus Lock(FileObject* fo, uint64_t offset, uint64_t length, uint64_t owner, uint8_t flags,
                pid_t pid = 4242) {
    return Send(fo, IrpMajor::LockControl, minor::kLock, flags, [&](IoStackLocation* sl) {
      Fill(sl, LockSpace::kRange, offset, length, owner, pid);
    });
  }
  NtStatus Unlock(FileObject* fo, uint64_t offset, uint64_t length, uint64_t owner) {
    return Send(fo, IrpMajor::LockControl, minor::kUnlockSingle, 0, [&](IoStackLocation* sl) {
      Fill(sl, LockSpace::kRange, offset, length, owner, 0);
    });
  }
  NtStatus UnlockAll(FileObject* fo, uint64_t owner) {
    return Send(fo, IrpMajor::LockControl, minor::kUnlockAll, 0,
                [&](IoStackLocation* sl) { Fill(sl, LockSpace::kRange, 0, UINT64_MAX, owner, 0); });
  }
  LockConflictInfo Query(FileObject* fo, uint64_t offset, uint64_t length, uint64_t owner) {
    LockConflictInfo info;
    EXPECT_EQ(
        Send(
            fo, IrpMajor::LockControl, minor::kQueryLock, kExclusive,
            [&](IoStackLocation* sl) { Fill(sl, LockSpace::kRange, offset, length, owner, 0); },
            &info),
        NtStatus::Success);
    return info;
  }
  NtStatus Flock(FileObject* fo, uint8_t minor, uint8_t flags) {
    return Send(fo, IrpMajor::LockControl, minor, flags,
                [&](IoStackLocation* sl) { Fill(sl, LockSpace::kFlock, 0, 0, 0, 0); });
  }
  // A lock that may block, sent without waiting; the IRP completes later (done flag).
  Irp* StartWait(FileObject* fo, LockSpace space, uint64_t offset, uint64_t length, uint64_t owner,
                 NtStatus* dispatched) {
    return test_volume::StartExclusiveLock(volume_, fo, {space, offset, length, owner, 4242},
                                           dispatched);
  }
  static NtStatus Finish(Irp* irp) { return test_volume::FinishIrp(irp); }
  static bool StillPending(Irp* irp) {
    return test_volume::StillPendingAfter(irp, std::chrono::milliseconds(50));
  }

  // The host's own OFD lock on its descriptor: 0 or the errno.
  int HostSetlk(const HostLock& lock) {
    struct flock fl {};
    fl.l_type = lock.type;
    fl.l_whence = SEEK_SET;
    fl.l_start = lock.start;
    fl.l_len = lock.length;
    return fcntl(host_, F_OFD_SETLK, &fl) == 0 ? 0 : errno;
  }
  // What a host descriptor without locks sees: F_UNLCK or the type of the first conflict.
  short HostSees(off_t start, off_t length) {
    int fd = open(Host("f").c_str(), O_RDONLY | O_CLOEXEC);
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = length;
    EXPECT_EQ(fcntl(fd, F_OFD_GETLK, &fl), 0);
    close(fd);
    return fl.l_type;
  }

  static size_t OpenDescriptors() {
    size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
      ++n;
    return n;
  }

  FileObject* a_ = nullptr;
  FileObject* b_ = nullptr;
  int host_ = -1;
};

TEST_F(MirrorLockTest, HostLockBlocksTheVolumeAndBack) {
  ASSERT_EQ(HostSetlk({F_WRLCK, 0, 10}), 0);
  EXPECT_EQ(Lock(a_, 5, 10, 1, kExclusive | kNoWait), NtStatus::LockNotGranted);
  EXPECT_EQ(Lock(a_, 10, 10, 1, kExclusive | kNoWait), NtStatus::Success);
  LockConflictInfo info = Query(b_, 0, 100, 2);
  ASSERT_TRUE(info.conflict);
  EXPECT_TRUE(info.exclusive);
  EXPECT_EQ(info.byteOffset, 0u);
  EXPECT_EQ(info.length, 10u);
  EXPECT_EQ(info.pid, 0);  // a host OFD lock belongs to no process

  ASSERT_EQ(HostSetlk({F_UNLCK, 0, 10}), 0);
  EXPECT_EQ(Lock(a_, 5, 10, 1, kExclusive | kNoWait), NtStatus::Success);
  // Now the host is the one refused, and sees the volume's lock.
  EXPECT_EQ(HostSetlk({F_RDLCK, 5, 1}), EAGAIN);
  EXPECT_EQ(HostSetlk({F_RDLCK, 0, 5}), 0);
  EXPECT_EQ(HostSetlk({F_UNLCK, 0, 5}), 0);
  EXPECT_EQ(HostSees(0, 0), F_WRLCK);
  EXPECT_EQ(Unlock(a_, 0, UINT64_MAX, 1), NtStatus::Success);
  EXPECT_EQ(HostSetlk({F_WRLCK, 0, 0}), 0);
}

TEST_F(MirrorLockTest, HostProcessLockReportsItsPid) {
  // A classic POSIX lock of this process: F_GETLK through the volume names its pid.
  struct flock fl {};
  fl.l_type = F_RDLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = 20;
  fl.l_len = 5;
  ASSERT_EQ(fcntl(host_, F_SETLK, &fl), 0);
  LockConflictInfo info = Query(a_, 0, 0, 1);  // zero length: nothing asked
  EXPECT_FALSE(info.conflict);
  info = Query(a_, 0, UINT64_MAX, 1);
  ASSERT_TRUE(info.conflict);
  EXPECT_FALSE(info.exclusive);
  EXPECT_EQ(info.byteOffset, 20u);
  EXPECT_EQ(info.pid, getpid());
  EXPECT_EQ(Lock(a_, 22, 1, 1, kExclusive | kNoWait), NtStatus::LockNotGranted);
  EXPECT_EQ(Lock(a_, 22, 1, 1, kNoWait), NtStatus::Success);  // shared with shared
}

TEST_F(MirrorLockTest, OneOwnerThroughTwoOpensNeverConflicts) {
  EXPECT_EQ(Lock(a_, 0, 50, 5, kExclusive | kNoWait, 111), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 25, 50, 5, kExclusive | kNoWait, 111), NtStatus::Success);
  EXPECT_EQ(Lock(b_, 60, 1, 6, kNoWait), NtStatus::LockNotGranted);
  EXPECT_EQ(Lock(a_, 0, 1, 6, kNoWait), NtStatus::LockNotGranted);
  // Another owner's F_GETLK names the holder's pid, though the host says -1 for OFD locks.
  LockConflictInfo info = Query(a_, 70, 10, 6);
  ASSERT_TRUE(info.conflict);
  EXPECT_EQ(info.pid, 111);
  EXPECT_EQ(info.byteOffset, 0u);
  EXPECT_EQ(info.length, 75u);  // the host merged the two
  // The owner itself sees nothing in its way.
  EXPECT_FALSE(Query(a_, 0, 100, 5).conflict);
  // Unlocking the middle splits the range, the host's job.
  EXPECT_EQ(Unlock(b_, 30, 10, 5), NtStatus::Success);
  EXPECT_EQ(Lock(a_, 30, 10, 6, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(a_, 29, 1, 6, kNoWait), NtStatus::LockNotGranted);
}

TEST_F(MirrorLockTest, UnlockAllOfTheOwnerReleasesOnTheHost) {
  size_t before = OpenDescriptors();
  EXPECT_EQ(Lock(a_, 0, 10, 5, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Lock(a_, 50, 10, 5, kNoWait), NtStatus::Success);
  EXPECT_EQ(OpenDescriptors(), before + 1);  // one descriptor for the owner
  EXPECT_EQ(HostSetlk({F_WRLCK, 0, 0}), EAGAIN);
  EXPECT_EQ(UnlockAll(b_, 5), NtStatus::Success);  // FLUSH of the owner, through any open
  EXPECT_EQ(HostSetlk({F_WRLCK, 0, 0}), 0);
  EXPECT_EQ(OpenDescriptors(), before);  // and it is gone
}

TEST_F(MirrorLockTest, OwnerDescriptorGoesWithItsLastLockOrARefusal) {
  size_t before = OpenDescriptors();
  EXPECT_EQ(Lock(a_, 10, 10, 5, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Unlock(a_, 0, UINT64_MAX, 5), NtStatus::Success);  // F_UNLCK of the whole file
  EXPECT_EQ(OpenDescriptors(), before);
  ASSERT_EQ(HostSetlk({F_WRLCK, 0, 0}), 0);
  EXPECT_EQ(Lock(a_, 0, 10, 6, kNoWait), NtStatus::LockNotGranted);
  EXPECT_EQ(OpenDescriptors(), before);  // a first attempt that failed keeps nothing
}

TEST_F(MirrorLockTest, FileObjectLocksGoAtCleanup) {
  FileObject* c = OpenRW("/f");
  EXPECT_EQ(Lock(c, 0, 10, 0, kExclusive | kNoWait), NtStatus::Success);  // NT: owner 0
  EXPECT_EQ(HostSetlk({F_WRLCK, 0, 10}), EAGAIN);
  Close(c);
  EXPECT_EQ(HostSetlk({F_WRLCK, 0, 10}), 0);
}

TEST_F(MirrorLockTest, FlockMeetsHostFlockNotRecordLocks) {
  ASSERT_EQ(flock(host_, LOCK_EX | LOCK_NB), 0);
  EXPECT_EQ(Flock(a_, minor::kLock, kExclusive | kNoWait), NtStatus::LockNotGranted);
  EXPECT_EQ(Flock(a_, minor::kLock, kNoWait), NtStatus::LockNotGranted);
  // A record lock is another space.
  EXPECT_EQ(Lock(a_, 0, UINT64_MAX, 1, kExclusive | kNoWait), NtStatus::Success);
  ASSERT_EQ(flock(host_, LOCK_UN), 0);

  EXPECT_EQ(Flock(a_, minor::kLock, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Flock(b_, minor::kLock, kNoWait), NtStatus::LockNotGranted);  // another open
  EXPECT_EQ(flock(host_, LOCK_SH | LOCK_NB), -1);
  EXPECT_EQ(errno, EWOULDBLOCK);
  EXPECT_EQ(Flock(a_, minor::kUnlockSingle, 0), NtStatus::Success);
  EXPECT_EQ(Flock(b_, minor::kLock, kNoWait), NtStatus::Success);
  EXPECT_EQ(flock(host_, LOCK_SH | LOCK_NB), 0);
  EXPECT_EQ(flock(host_, LOCK_EX | LOCK_NB), -1);
  // The last handle of the open drops its flock.
  Close(b_);
  b_ = nullptr;
  EXPECT_EQ(flock(host_, LOCK_EX | LOCK_NB), 0);
}

TEST_F(MirrorLockTest, BlockingLockIsGrantedWhenTheHostReleases) {
  ASSERT_EQ(HostSetlk({F_WRLCK, 0, 10}), 0);
  NtStatus dispatched;
  Irp* irp = StartWait(a_, LockSpace::kRange, 5, 10, 1, &dispatched);
  EXPECT_EQ(dispatched, NtStatus::Pending);
  EXPECT_TRUE(StillPending(irp));
  EXPECT_EQ(mirror_->PendingLockWaits(), 1u);
  ASSERT_EQ(HostSetlk({F_UNLCK, 0, 10}), 0);
  EXPECT_EQ(Finish(irp), NtStatus::Success);
  EXPECT_EQ(HostSetlk({F_RDLCK, 14, 1}), EAGAIN);
  EXPECT_EQ(HostSetlk({F_RDLCK, 15, 1}), 0);
}

TEST_F(MirrorLockTest, CancelEndsTheWaitAndTakesNothing) {
  ASSERT_EQ(HostSetlk({F_WRLCK, 0, 10}), 0);
  NtStatus dispatched;
  Irp* irp = StartWait(a_, LockSpace::kRange, 0, 10, 1, &dispatched);
  EXPECT_EQ(dispatched, NtStatus::Pending);
  EXPECT_TRUE(StillPending(irp));
  EXPECT_TRUE(IoCancelIrp(irp));
  EXPECT_EQ(Finish(irp), NtStatus::Cancelled);
  // No phantom lock: once the host lets go, a third party gets the range.
  ASSERT_EQ(HostSetlk({F_UNLCK, 0, 10}), 0);
  EXPECT_EQ(Lock(b_, 0, 10, 2, kExclusive | kNoWait), NtStatus::Success);
}

TEST_F(MirrorLockTest, ManyCancelsInARowAllEnd) {
  // Each cancel may land before its waiter is in the host call; none may hang.
  ASSERT_EQ(HostSetlk({F_WRLCK, 0, 10}), 0);
  for (int i = 0; i < 50; ++i) {
    NtStatus dispatched;
    Irp* irp = StartWait(a_, LockSpace::kRange, 0, 10, 1, &dispatched);
    EXPECT_EQ(dispatched, NtStatus::Pending);
    IoCancelIrp(irp);
    EXPECT_EQ(Finish(irp), NtStatus::Cancelled);
  }
}

TEST_F(MirrorLockTest, CanceledBeforeDispatchCompletesCancelled) {
  ASSERT_EQ(HostSetlk({F_WRLCK, 0, 10}), 0);
  Irp* irp = IoAllocateIrp(volume_->stackSize);
  irp->cancel.store(true);  // IoCancelIrp found no routine to run yet
  IoStackLocation* sl = IoGetNextIrpStackLocation(irp);
  sl->majorFunction = IrpMajor::LockControl;
  sl->minorFunction = minor::kLock;
  sl->flags = kExclusive;
  sl->fileObject = a_;
  Fill(sl, LockSpace::kRange, 0, 10, 1, 1);
  EXPECT_EQ(IoCallDriver(volume_, irp), NtStatus::Pending);
  EXPECT_EQ(Finish(irp), NtStatus::Cancelled);
}

TEST_F(MirrorLockTest, BlockingFlockIsCanceledAtCleanupOfItsOpen) {
  ASSERT_EQ(flock(host_, LOCK_EX | LOCK_NB), 0);
  FileObject* c = OpenRW("/f");
  NtStatus dispatched;
  Irp* irp = StartWait(c, LockSpace::kFlock, 0, 0, 0, &dispatched);
  EXPECT_EQ(dispatched, NtStatus::Pending);
  EXPECT_TRUE(StillPending(irp));
  ObReferenceObject(c);  // the pending IRP's reference, as the I/O manager would hold
  Close(c);              // CLEANUP: the wait ends
  EXPECT_EQ(Finish(irp), NtStatus::Cancelled);
  ObDereferenceObject(c);
  ASSERT_EQ(flock(host_, LOCK_UN), 0);
  EXPECT_EQ(Flock(a_, minor::kLock, kExclusive | kNoWait), NtStatus::Success);
}

TEST_F(MirrorLockTest, BlockingFlockIsGrantedWhenTheHostUnlocks) {
  ASSERT_EQ(flock(host_, LOCK_SH | LOCK_NB), 0);
  NtStatus dispatched;
  Irp* irp = StartWait(a_, LockSpace::kFlock, 0, 0, 0, &dispatched);
  EXPECT_EQ(dispatched, NtStatus::Pending);
  EXPECT_TRUE(StillPending(irp));
  ASSERT_EQ(flock(host_, LOCK_UN), 0);
  EXPECT_EQ(Finish(irp), NtStatus::Success);
  EXPECT_EQ(flock(host_, LOCK_SH | LOCK_NB), -1);
}

TEST_F(MirrorLockTest, DirectoriesUseTheClassDriverTables) {
  FileObject* dir = MustOpen({.name = "/", .options = create_option::kDirectoryFile});
  FileObject* dir2 = MustOpen({.name = "/", .options = create_option::kDirectoryFile});
  EXPECT_EQ(Flock(dir, minor::kLock, kExclusive | kNoWait), NtStatus::Success);
  EXPECT_EQ(Flock(dir2, minor::kLock, kNoWait), NtStatus::LockNotGranted);
  Close(dir);
  EXPECT_EQ(Flock(dir2, minor::kLock, kNoWait), NtStatus::Success);
  Close(dir2);
}

}  // namespace
}  // namespace irpfs::mirror::testing
