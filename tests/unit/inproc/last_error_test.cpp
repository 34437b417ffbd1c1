// The last error is per thread, as in Win32's TEB.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

class LastErrorTest : public MemfsTest {};

TEST_F(LastErrorTest, SetAndGetPerThread) {
  SetLastError(1234);
  std::thread([] {
    EXPECT_EQ(GetLastError(), 0u);
    SetLastError(42);
    EXPECT_EQ(GetLastError(), 42u);
  }).join();
  EXPECT_EQ(GetLastError(), 1234u);
}

TEST_F(LastErrorTest, TwoThreadsSeeTheirOwnFailures) {
  MakeFile("/locked", "x");
  Handle exclusive = client_->CreateFile("/locked", access::kGenericRead, 0, OPEN_EXISTING, 0);
  ASSERT_NE(exclusive, kInvalidHandleValue);

  // Lock-step: A fails, then B fails differently, then both look.
  std::mutex mutex;
  std::condition_variable cv;
  int step = 0;
  auto waitFor = [&](int s) {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return step >= s; });
  };
  auto advance = [&] {
    std::lock_guard lock(mutex);
    ++step;
    cv.notify_all();
  };
  uint32_t errorA = 0, errorB = 0;
  NtStatus statusA = NtStatus::Success, statusB = NtStatus::Success;
  std::thread a([&] {
    EXPECT_EQ(client_->CreateFile("/missing", access::kGenericRead, 0, OPEN_EXISTING, 0),
              kInvalidHandleValue);
    advance();
    waitFor(2);
    errorA = GetLastError();
    statusA = GetLastNtStatus();
  });
  std::thread b([&] {
    waitFor(1);
    EXPECT_EQ(client_->CreateFile("/locked", access::kGenericRead, 0, OPEN_EXISTING, 0),
              kInvalidHandleValue);
    advance();
    errorB = GetLastError();
    statusB = GetLastNtStatus();
  });
  a.join();
  b.join();
  EXPECT_EQ(errorA, ERROR_FILE_NOT_FOUND);
  EXPECT_EQ(statusA, NtStatus::ObjectNameNotFound);
  EXPECT_EQ(errorB, ERROR_SHARING_VIOLATION);
  EXPECT_EQ(statusB, NtStatus::SharingViolation);
  EXPECT_TRUE(client_->CloseHandle(exclusive));
}

TEST_F(LastErrorTest, CreateFileSetsItOnSuccessOtherCallsDoNot) {
  SetLastError(999);
  Handle h = client_->CreateFile("/new", access::kGenericWrite, 0, CREATE_NEW, 0);
  ASSERT_NE(h, kInvalidHandleValue);
  EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
  SetLastError(999);
  uint32_t n = 0;
  EXPECT_TRUE(client_->WriteFile(h, "x", 1, &n));
  EXPECT_EQ(GetLastError(), 999u);
  EXPECT_TRUE(client_->CloseHandle(h));
  h = client_->CreateFile("/new", access::kGenericWrite, 0, OPEN_ALWAYS, 0);
  EXPECT_EQ(GetLastError(), ERROR_ALREADY_EXISTS);
  EXPECT_EQ(GetLastNtStatus(), NtStatus::ObjectNameExists);
  EXPECT_TRUE(client_->CloseHandle(h));
}

}  // namespace
}  // namespace irpfs::inproc::testing
