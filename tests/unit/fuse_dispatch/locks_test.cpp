// Byte-range locks through LOCK_CONTROL: GETLK, SETLK conflicts, and a SETLKW that pends
// in the class driver until FUSE_INTERRUPT cancels it (EINTR) or the holder unlocks.
#include "dispatch_harness.h"

namespace irpfs::fuse::testing {
namespace {

class LockTest : public DispatchTest {
 protected:
  void SetUp() override {
    DispatchTest::SetUp();
    MustCreate(kRootId, "f", &file_, &fhA_);
    fhB_ = MustOpen(file_, O_RDWR);
  }
  void TearDown() override {
    EXPECT_EQ(Release(file_, fhA_).error, 0);
    EXPECT_EQ(Release(file_, fhB_).error, 0);
    DispatchTest::TearDown();
  }
  static fuse_lk_in LockIn(uint64_t fh, uint64_t owner, uint32_t type, uint64_t start,
                           uint64_t end) {
    fuse_lk_in in{};
    in.fh = fh;
    in.owner = owner;
    in.lk = fuse_file_lock{start, end, type, 4242};
    return in;
  }
  Answer Setlk(const fuse_lk_in& in) {
    RequestContext ctx = Ctx(Opcode::kSetlk, file_);
    dispatcher().Setlk(ctx, in, NewReply(ctx));
    return Receive();
  }
  Answer Getlk(const fuse_lk_in& in) {
    RequestContext ctx = Ctx(Opcode::kGetlk, file_);
    dispatcher().Getlk(ctx, in, NewReply(ctx));
    return Receive();
  }
  uint64_t file_ = 0, fhA_ = 0, fhB_ = 0;
  static constexpr uint64_t kOwnerA = 0xA, kOwnerB = 0xB;
  static constexpr uint64_t kToEnd = 0x7fffffffffffffffull;
};

TEST_F(LockTest, GetlkReportsTheConflictingLock) {
  ASSERT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_WRLCK, 10, 19)).error, 0);
  Answer answer = Getlk(LockIn(fhB_, kOwnerB, F_RDLCK, 0, kToEnd));
  ASSERT_EQ(answer.error, 0);
  fuse_file_lock lk = answer.As<fuse_lk_out>().lk;
  EXPECT_EQ(lk.type, static_cast<uint32_t>(F_WRLCK));
  EXPECT_EQ(lk.start, 10u);
  EXPECT_EQ(lk.end, 19u);
  EXPECT_EQ(lk.pid, 4242u);

  // The owner itself sees no conflict; F_UNLCK echoes the range asked.
  Answer own = Getlk(LockIn(fhA_, kOwnerA, F_WRLCK, 0, kToEnd));
  ASSERT_EQ(own.error, 0);
  EXPECT_EQ(own.As<fuse_lk_out>().lk.type, static_cast<uint32_t>(F_UNLCK));
  EXPECT_EQ(own.As<fuse_lk_out>().lk.end, kToEnd);
}

TEST_F(LockTest, SetlkConflictIsEagainAndUnlockFreesTheRange) {
  ASSERT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_WRLCK, 0, kToEnd)).error, 0);
  EXPECT_EQ(Setlk(LockIn(fhB_, kOwnerB, F_RDLCK, 100, 200)).error, EAGAIN);
  ASSERT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_UNLCK, 0, kToEnd)).error, 0);
  EXPECT_EQ(Setlk(LockIn(fhB_, kOwnerB, F_RDLCK, 100, 200)).error, 0);
  // Shared locks do not conflict with each other.
  EXPECT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_RDLCK, 150, 250)).error, 0);
}

TEST_F(LockTest, SetlkwPendsUntilInterruptedThenEintr) {
  ASSERT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_WRLCK, 0, kToEnd)).error, 0);

  RequestContext ctx = Ctx(Opcode::kSetlkw, file_);
  dispatcher().Setlkw(ctx, LockIn(fhB_, kOwnerB, F_WRLCK, 0, 99), NewReply(ctx));
  // The worker got its thread back while the lock waits in the class driver.
  EXPECT_FALSE(ReplyWaiting(100));
  EXPECT_EQ(dispatcher().OperationsInFlight(), 1u);

  requests().Interrupt(ctx.unique, ctx.unique | 1, fds_[0]);
  Answer answer = Receive();
  EXPECT_EQ(answer.unique, ctx.unique);
  EXPECT_EQ(answer.error, EINTR);
  EXPECT_EQ(dispatcher().OperationsInFlight(), 0u);

  // The waiter is gone: the holder still holds, and a later unlock grants nobody.
  EXPECT_EQ(Setlk(LockIn(fhB_, kOwnerB, F_WRLCK, 0, 99)).error, EAGAIN);
}

TEST_F(LockTest, SetlkwIsGrantedWhenTheHolderUnlocks) {
  ASSERT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_WRLCK, 0, kToEnd)).error, 0);
  RequestContext ctx = Ctx(Opcode::kSetlkw, file_);
  dispatcher().Setlkw(ctx, LockIn(fhB_, kOwnerB, F_WRLCK, 0, 99), NewReply(ctx));
  EXPECT_FALSE(ReplyWaiting(50));
  // The unlock's own reply and the granted SETLKW's reply, in either order.
  RequestContext unlock = Ctx(Opcode::kSetlk, file_);
  dispatcher().Setlk(unlock, LockIn(fhA_, kOwnerA, F_UNLCK, 0, kToEnd), NewReply(unlock));
  Answer first = Receive();
  Answer second = Receive();
  EXPECT_EQ(first.error, 0);
  EXPECT_EQ(second.error, 0);
  EXPECT_TRUE((first.unique == ctx.unique) != (second.unique == ctx.unique));
  EXPECT_EQ(Getlk(LockIn(fhA_, kOwnerA, F_RDLCK, 0, 10)).As<fuse_lk_out>().lk.type,
            static_cast<uint32_t>(F_WRLCK));
}

TEST_F(LockTest, InterruptBeforeTheRequestCancelsItAtOnce) {
  ASSERT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_WRLCK, 0, kToEnd)).error, 0);
  RequestContext ctx = Ctx(Opcode::kSetlkw, file_);
  // The INTERRUPT overtakes its request (another worker read it first).
  requests().Interrupt(ctx.unique, ctx.unique | 1, fds_[0]);
  dispatcher().Setlkw(ctx, LockIn(fhB_, kOwnerB, F_WRLCK, 0, 99), NewReply(ctx));
  Answer answer = Receive();
  EXPECT_EQ(answer.unique, ctx.unique);
  EXPECT_EQ(answer.error, EINTR);
}

TEST_F(LockTest, ReleaseOfTheWaitersHandleCompletesTheWait) {
  ASSERT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_WRLCK, 0, kToEnd)).error, 0);
  uint64_t fhC = MustOpen(file_, O_RDWR);
  RequestContext ctx = Ctx(Opcode::kSetlkw, file_);
  dispatcher().Setlkw(ctx, LockIn(fhC, 0xC, F_WRLCK, 0, 99), NewReply(ctx));
  EXPECT_FALSE(ReplyWaiting(50));
  // CLEANUP of the open completes what still pends on it.
  RequestContext release = Ctx(Opcode::kRelease, file_);
  fuse_release_in in{};
  in.fh = fhC;
  dispatcher().Release(release, in, NewReply(release));
  Answer first = Receive();
  Answer second = Receive();
  Answer& waited = first.unique == ctx.unique ? first : second;
  Answer& released = first.unique == ctx.unique ? second : first;
  EXPECT_EQ(waited.unique, ctx.unique);
  EXPECT_EQ(waited.error, EINTR);
  EXPECT_EQ(released.error, 0);
}

TEST_F(LockTest, FlushDropsThePosixLocksOfItsOwner) {
  ConnectionInfo info;
  info.flags = init_flag::kPosixLocks;
  dispatcher().Init(info);
  ASSERT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_WRLCK, 0, 99)).error, 0);
  ASSERT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_WRLCK, 200, 299)).error, 0);
  EXPECT_EQ(Setlk(LockIn(fhB_, kOwnerB, F_WRLCK, 0, 99)).error, EAGAIN);
  // close(2) of any descriptor of owner A, here through the other open.
  RequestContext ctx = Ctx(Opcode::kFlush, file_);
  dispatcher().Flush(ctx, fuse_flush_in{fhB_, 0, 0, kOwnerA}, NewReply(ctx));
  ASSERT_EQ(Receive().error, 0);
  EXPECT_EQ(Setlk(LockIn(fhB_, kOwnerB, F_WRLCK, 0, 299)).error, 0);
}

TEST_F(LockTest, FlockLocksBelongToTheOpen) {
  fuse_lk_in a = LockIn(fhA_, kOwnerA, F_WRLCK, 0, kToEnd);
  a.lk_flags = kLkFlock;
  ASSERT_EQ(Setlk(a).error, 0);
  // Another open, even with the same lock_owner, conflicts.
  fuse_lk_in b = LockIn(fhB_, kOwnerA, F_WRLCK, 0, kToEnd);
  b.lk_flags = kLkFlock;
  EXPECT_EQ(Setlk(b).error, EAGAIN);
}

TEST_F(LockTest, FlockAndPosixLocksNeverMeet) {
  // As on Linux: a POSIX write lock over the whole file leaves flock free, and back.
  ASSERT_EQ(Setlk(LockIn(fhA_, kOwnerA, F_WRLCK, 0, kToEnd)).error, 0);
  fuse_lk_in flockB = LockIn(fhB_, kOwnerB, F_WRLCK, 0, kToEnd);
  flockB.lk_flags = kLkFlock;
  ASSERT_EQ(Setlk(flockB).error, 0);
  EXPECT_EQ(Setlk(LockIn(fhB_, kOwnerB, F_RDLCK, 0, 10)).error, EAGAIN);
  // FLUSH of owner B drops its POSIX locks (none), not the flock of B's open.
  ConnectionInfo info;
  info.flags = init_flag::kPosixLocks;
  dispatcher().Init(info);
  RequestContext ctx = Ctx(Opcode::kFlush, file_);
  dispatcher().Flush(ctx, fuse_flush_in{fhB_, 0, 0, kOwnerB}, NewReply(ctx));
  ASSERT_EQ(Receive().error, 0);
  fuse_lk_in flockA = LockIn(fhA_, kOwnerA, F_RDLCK, 0, kToEnd);
  flockA.lk_flags = kLkFlock;
  EXPECT_EQ(Setlk(flockA).error, EAGAIN);
  // flock's unlock is SETLK F_UNLCK with the flag.
  flockB.lk.type = F_UNLCK;
  ASSERT_EQ(Setlk(flockB).error, 0);
  EXPECT_EQ(Setlk(flockA).error, 0);
}

}  // namespace
}  // namespace irpfs::fuse::testing
