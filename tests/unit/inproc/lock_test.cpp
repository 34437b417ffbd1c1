// Byte-range locks between two opens of one file (LockFileEx / UnlockFileEx).
#include <atomic>
#include <chrono>
#include <thread>

#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

constexpr std::string_view kPath = "/locks.bin";
constexpr uint32_t kRw = access::kGenericRead | access::kGenericWrite;

class LockTest : public MemfsTest {
 protected:
  fsclass::VolumeOptions Options() const override {
    fsclass::VolumeOptions options = MemfsTest::Options();
    options.mandatoryLocks = true;  // NT's locks: reads and writes honour them
    return options;
  }
  void SetUp() override {
    MemfsTest::SetUp();
    MakeFile(kPath, std::string(200, 'z'));
    first_ = client_->CreateFile(kPath, kRw, share::kAll, OPEN_EXISTING, 0);
    second_ = client_->CreateFile(kPath, kRw, share::kAll, OPEN_EXISTING, 0);
    ASSERT_NE(first_, kInvalidHandleValue);
    ASSERT_NE(second_, kInvalidHandleValue);
  }
  void TearDown() override {
    client_->CloseHandle(first_);
    client_->CloseHandle(second_);
    MemfsTest::TearDown();
  }
  Handle first_ = kInvalidHandleValue;
  Handle second_ = kInvalidHandleValue;
};

constexpr uint32_t kTryExclusive = LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY;

TEST_F(LockTest, ExclusiveKeepsOthersOut) {
  ASSERT_TRUE(client_->LockFileEx(first_, kTryExclusive, 0, 10));
  EXPECT_FALSE(client_->LockFileEx(second_, kTryExclusive, 5, 1));
  EXPECT_LAST_STATUS(NtStatus::LockNotGranted);
  EXPECT_EQ(GetLastError(), ERROR_LOCK_VIOLATION);
  EXPECT_FALSE(client_->LockFileEx(second_, LOCKFILE_FAIL_IMMEDIATELY, 9, 5));  // shared
  EXPECT_EQ(GetLastError(), ERROR_LOCK_VIOLATION);
  // Adjacent ranges do not overlap.
  EXPECT_TRUE(client_->LockFileEx(second_, kTryExclusive, 10, 10));
  ASSERT_TRUE(client_->UnlockFileEx(first_, 0, 10));
  EXPECT_TRUE(client_->LockFileEx(second_, kTryExclusive, 5, 1));
}

TEST_F(LockTest, SharedLocksCoexist) {
  ASSERT_TRUE(client_->LockFileEx(first_, LOCKFILE_FAIL_IMMEDIATELY, 100, 10));
  EXPECT_TRUE(client_->LockFileEx(second_, LOCKFILE_FAIL_IMMEDIATELY, 100, 10));
  EXPECT_FALSE(client_->LockFileEx(second_, kTryExclusive, 105, 1));
  EXPECT_EQ(GetLastError(), ERROR_LOCK_VIOLATION);
}

TEST_F(LockTest, MandatoryLocksStopOtherOpensIo) {
  ASSERT_TRUE(client_->LockFileEx(first_, kTryExclusive, 0, 10));
  char buffer[4];
  uint32_t n = 0;
  EXPECT_FALSE(client_->ReadFileAt(second_, buffer, 4, 2, &n));
  EXPECT_LAST_STATUS(NtStatus::FileLockConflict);
  EXPECT_FALSE(client_->WriteFileAt(second_, "abcd", 4, 8, &n));
  EXPECT_LAST_STATUS(NtStatus::FileLockConflict);
  // Outside the range, and for the owner, I/O goes on.
  EXPECT_TRUE(client_->ReadFileAt(second_, buffer, 4, 10, &n));
  EXPECT_TRUE(client_->WriteFileAt(first_, "abcd", 4, 0, &n));
  ASSERT_TRUE(client_->ReadFileAt(first_, buffer, 4, 0, &n));
  EXPECT_EQ(std::string_view(buffer, n), "abcd");
}

TEST_F(LockTest, UnlockByANonOwnerReleasesNothing) {
  ASSERT_TRUE(client_->LockFileEx(first_, kTryExclusive, 0, 10));
  // The class driver treats unlocking a range one does not hold as a no-op (POSIX),
  // where NT says STATUS_RANGE_NOT_LOCKED; either way the owner's lock stays.
  client_->UnlockFileEx(second_, 0, 10);
  EXPECT_FALSE(client_->LockFileEx(second_, kTryExclusive, 0, 10));
  EXPECT_EQ(GetLastError(), ERROR_LOCK_VIOLATION);
}

TEST_F(LockTest, WaitingLockIsGrantedOnUnlock) {
  ASSERT_TRUE(client_->LockFileEx(first_, kTryExclusive, 0, 10));
  std::atomic<bool> granted{false};
  std::thread waiter([&] {
    EXPECT_TRUE(client_->LockFileEx(second_, LOCKFILE_EXCLUSIVE_LOCK, 0, 10));
    granted.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(granted.load());
  ASSERT_TRUE(client_->UnlockFileEx(first_, 0, 10));
  waiter.join();
  EXPECT_TRUE(granted.load());
  EXPECT_FALSE(client_->LockFileEx(first_, kTryExclusive, 0, 1));
}

TEST_F(LockTest, ClosingTheOwnerReleasesItsLocks) {
  ASSERT_TRUE(client_->LockFileEx(first_, kTryExclusive, 0, 10));
  ASSERT_TRUE(client_->CloseHandle(first_));
  first_ = kInvalidHandleValue;
  EXPECT_TRUE(client_->LockFileEx(second_, kTryExclusive, 0, 10));
}

TEST_F(LockTest, OverlappedWaitingLockCanBeCanceled) {
  Handle async = client_->CreateFile(kPath, kRw, share::kAll, OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
  ASSERT_NE(async, kInvalidHandleValue);
  ASSERT_TRUE(client_->LockFileEx(first_, kTryExclusive, 0, 10));
  Overlapped overlapped;
  overlapped.offset = 5;
  EXPECT_FALSE(client_->LockFileEx(async, LOCKFILE_EXCLUSIVE_LOCK, 1, &overlapped));
  EXPECT_EQ(GetLastError(), ERROR_IO_PENDING);
  EXPECT_TRUE(client_->CancelIoEx(async, &overlapped));
  uint32_t n = 0;
  EXPECT_FALSE(client_->GetOverlappedResult(async, &overlapped, &n, true));
  EXPECT_EQ(GetLastError(), ERROR_OPERATION_ABORTED);
  // The canceled request holds nothing: once the owner lets go, the range is free.
  ASSERT_TRUE(client_->UnlockFileEx(first_, 0, 10));
  EXPECT_TRUE(client_->LockFileEx(second_, kTryExclusive, 0, 10));
  EXPECT_TRUE(client_->CloseHandle(async));
}

TEST_F(LockTest, LockNeedsDataAccess) {
  Handle attributes =
      client_->CreateFile(kPath, access::kReadAttributes, share::kAll, OPEN_EXISTING, 0);
  ASSERT_NE(attributes, kInvalidHandleValue);
  EXPECT_FALSE(client_->LockFileEx(attributes, kTryExclusive, 0, 1));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_TRUE(client_->CloseHandle(attributes));
}

}  // namespace
}  // namespace irpfs::inproc::testing
