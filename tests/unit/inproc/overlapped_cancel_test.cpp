// Overlapped I/O and cancellation, against a filter that pends reads in a cancel-safe
// queue above memfs.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "test_filter.h"
#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

constexpr std::string_view kPath = "/data.bin";
constexpr std::string_view kData = "0123456789abcdef";

class OverlappedTest : public MemfsTest {
 protected:
  void SetUp() override {
    MemfsTest::SetUp();
    MakeFile(kPath, kData);
    filter_ = TestFilter::Attach(*volume_, do_flag::kDirectIo);
    ASSERT_NE(filter_, nullptr);
    filter_->set_pendReads(true);
  }
  Handle Open(uint32_t flags) {
    Handle h = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, flags);
    EXPECT_NE(h, kInvalidHandleValue);
    return h;
  }

  TestFilter* filter_ = nullptr;
};

TEST_F(OverlappedTest, PendedReadCanceledWithCancelIoEx) {
  Handle h = Open(FILE_FLAG_OVERLAPPED);
  Event event;
  Overlapped overlapped;
  overlapped.event = &event;
  char buffer[8] = {};
  uint32_t n = 77;
  EXPECT_FALSE(client_->ReadFile(h, buffer, sizeof(buffer), &n, &overlapped));
  EXPECT_LAST_STATUS(NtStatus::Pending);
  EXPECT_EQ(GetLastError(), ERROR_IO_PENDING);
  ASSERT_TRUE(filter_->WaitForPended(1));
  EXPECT_FALSE(HasOverlappedIoCompleted(overlapped));
  EXPECT_FALSE(event.IsSignaled());
  EXPECT_FALSE(client_->GetOverlappedResult(h, &overlapped, &n, false));
  EXPECT_EQ(GetLastError(), ERROR_IO_INCOMPLETE);

  EXPECT_TRUE(client_->CancelIoEx(h, &overlapped));
  EXPECT_TRUE(event.WaitFor(std::chrono::seconds(10)));
  EXPECT_TRUE(HasOverlappedIoCompleted(overlapped));
  EXPECT_FALSE(client_->GetOverlappedResult(h, &overlapped, &n, true));
  EXPECT_LAST_STATUS(NtStatus::Cancelled);
  EXPECT_EQ(GetLastError(), ERROR_OPERATION_ABORTED);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(overlapped.status(), NtStatus::Cancelled);
  EXPECT_FALSE(filter_->ReleaseOne()) << "the canceled IRP left the queue";
  // Nothing left to cancel.
  EXPECT_FALSE(client_->CancelIoEx(h));
  EXPECT_EQ(GetLastError(), ERROR_NOT_FOUND);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(OverlappedTest, PendedReadCompletesFromAnotherThread) {
  Handle h = Open(FILE_FLAG_OVERLAPPED);
  Event event;
  Overlapped overlapped;
  overlapped.offset = 4;
  overlapped.event = &event;
  char buffer[6] = {};
  EXPECT_FALSE(client_->ReadFile(h, buffer, sizeof(buffer), nullptr, &overlapped));
  ASSERT_EQ(GetLastError(), ERROR_IO_PENDING);
  ASSERT_TRUE(filter_->WaitForPended(1));
  std::thread completer([&] { EXPECT_TRUE(filter_->ReleaseOne()); });
  uint32_t n = 0;
  EXPECT_TRUE(client_->GetOverlappedResult(h, &overlapped, &n, true));
  completer.join();
  EXPECT_EQ(n, sizeof(buffer));
  EXPECT_EQ(std::string_view(buffer, n), kData.substr(4, 6));
  EXPECT_TRUE(event.IsSignaled());
  EXPECT_EQ(overlapped.status(), NtStatus::Success);
  EXPECT_EQ(overlapped.information(), sizeof(buffer));
  EXPECT_TRUE(client_->CloseHandle(h));
}

struct RoutineRecord {
  std::atomic<int> calls{0};
  std::atomic<uint32_t> error{0xFFFFFFFF};
  std::atomic<uint32_t> bytes{0};
};
RoutineRecord gRoutine;

void RecordCompletion(uint32_t error, uint32_t bytes, Overlapped*) {
  gRoutine.error.store(error);
  gRoutine.bytes.store(bytes);
  gRoutine.calls.fetch_add(1);
}

TEST_F(OverlappedTest, CompletionRoutineRunsOnceWithResult) {
  gRoutine.calls.store(0);
  Handle h = Open(FILE_FLAG_OVERLAPPED);
  Overlapped overlapped;
  char buffer[3] = {};
  EXPECT_FALSE(client_->ReadFileEx(h, buffer, sizeof(buffer), &overlapped, RecordCompletion));
  ASSERT_EQ(GetLastError(), ERROR_IO_PENDING);
  ASSERT_TRUE(filter_->WaitForPended(1));
  EXPECT_EQ(gRoutine.calls.load(), 0);
  std::thread([&] { filter_->ReleaseOne(); }).join();
  uint32_t n = 0;
  EXPECT_TRUE(client_->GetOverlappedResult(h, &overlapped, &n, true));
  EXPECT_EQ(gRoutine.calls.load(), 1);
  EXPECT_EQ(gRoutine.error.load(), ERROR_SUCCESS);
  EXPECT_EQ(gRoutine.bytes.load(), 3u);
  EXPECT_EQ(std::string_view(buffer, 3), "012");
  // A canceled one reports ERROR_OPERATION_ABORTED to its routine.
  EXPECT_FALSE(client_->ReadFileEx(h, buffer, sizeof(buffer), &overlapped, RecordCompletion));
  ASSERT_TRUE(filter_->WaitForPended(2));
  EXPECT_TRUE(client_->CancelIoEx(h, &overlapped));
  EXPECT_FALSE(client_->GetOverlappedResult(h, &overlapped, &n, true));
  EXPECT_EQ(gRoutine.calls.load(), 2);
  EXPECT_EQ(gRoutine.error.load(), ERROR_OPERATION_ABORTED);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(OverlappedTest, CancelIoExWithoutOverlappedCancelsAll) {
  Handle h = Open(FILE_FLAG_OVERLAPPED);
  Overlapped first, second;
  second.offset = 8;
  char a[4], b[4];
  EXPECT_FALSE(client_->ReadFile(h, a, sizeof(a), nullptr, &first));
  EXPECT_FALSE(client_->ReadFile(h, b, sizeof(b), nullptr, &second));
  ASSERT_TRUE(filter_->WaitForPended(2));
  EXPECT_TRUE(client_->CancelIoEx(h));
  uint32_t n = 0;
  EXPECT_FALSE(client_->GetOverlappedResult(h, &first, &n, true));
  EXPECT_EQ(GetLastError(), ERROR_OPERATION_ABORTED);
  EXPECT_FALSE(client_->GetOverlappedResult(h, &second, &n, true));
  EXPECT_EQ(GetLastError(), ERROR_OPERATION_ABORTED);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(OverlappedTest, CancelIoExOfOneLeavesTheOther) {
  Handle h = Open(FILE_FLAG_OVERLAPPED);
  Overlapped keep, drop;
  char a[4], b[4];
  EXPECT_FALSE(client_->ReadFile(h, a, sizeof(a), nullptr, &keep));
  EXPECT_FALSE(client_->ReadFile(h, b, sizeof(b), nullptr, &drop));
  ASSERT_TRUE(filter_->WaitForPended(2));
  EXPECT_TRUE(client_->CancelIoEx(h, &drop));
  uint32_t n = 0;
  EXPECT_FALSE(client_->GetOverlappedResult(h, &drop, &n, true));
  EXPECT_EQ(GetLastError(), ERROR_OPERATION_ABORTED);
  EXPECT_FALSE(HasOverlappedIoCompleted(keep));
  EXPECT_TRUE(filter_->ReleaseOne());
  EXPECT_TRUE(client_->GetOverlappedResult(h, &keep, &n, true));
  EXPECT_EQ(std::string_view(a, n), "0123");
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(OverlappedTest, CancelIoOnlyCancelsTheCallingThreadsRequests) {
  Handle h = Open(FILE_FLAG_OVERLAPPED);
  Overlapped overlapped;
  char buffer[4];
  EXPECT_FALSE(client_->ReadFile(h, buffer, sizeof(buffer), nullptr, &overlapped));
  ASSERT_TRUE(filter_->WaitForPended(1));
  std::thread([&] { EXPECT_TRUE(client_->CancelIo(h)); }).join();
  EXPECT_FALSE(HasOverlappedIoCompleted(overlapped));
  EXPECT_TRUE(client_->CancelIo(h));
  uint32_t n = 0;
  EXPECT_FALSE(client_->GetOverlappedResult(h, &overlapped, &n, true));
  EXPECT_EQ(GetLastError(), ERROR_OPERATION_ABORTED);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(OverlappedTest, SynchronousReadCanceledFromAnotherThread) {
  Handle h = Open(0);
  std::atomic<pid_t> readerThread{0};
  std::atomic<bool> ok{true};
  std::atomic<uint32_t> error{0};
  std::thread reader([&] {
    readerThread.store(gettid());
    char buffer[4];
    uint32_t n = 0;
    ok.store(client_->ReadFile(h, buffer, sizeof(buffer), &n));
    error.store(GetLastError());
  });
  ASSERT_TRUE(filter_->WaitForPended(1));
  EXPECT_TRUE(client_->CancelSynchronousIo(readerThread.load()));
  reader.join();
  EXPECT_FALSE(ok.load());
  EXPECT_EQ(error.load(), ERROR_OPERATION_ABORTED);
  // The aborted read did not move the position.
  uint64_t position = 99;
  EXPECT_TRUE(client_->SetFilePointerEx(h, 0, &position, FILE_CURRENT));
  EXPECT_EQ(position, 0u);
  EXPECT_FALSE(client_->CancelSynchronousIo(readerThread.load()));
  EXPECT_EQ(GetLastError(), ERROR_NOT_FOUND);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(OverlappedTest, SynchronousHandleWithOverlappedWaits) {
  Handle h = Open(0);
  Overlapped overlapped;
  overlapped.offset = 10;
  std::thread completer([&] {
    filter_->WaitForPended(1);
    filter_->ReleaseOne();
  });
  char buffer[6] = {};
  uint32_t n = 0;
  EXPECT_TRUE(client_->ReadFile(h, buffer, sizeof(buffer), &n, &overlapped));
  completer.join();
  EXPECT_EQ(std::string_view(buffer, n), "abcdef");
  EXPECT_TRUE(HasOverlappedIoCompleted(overlapped));
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(OverlappedTest, ClosingTheHandleEndsItsPendedRequests) {
  Handle h = Open(FILE_FLAG_OVERLAPPED);
  Overlapped overlapped;
  Event event;
  overlapped.event = &event;
  char buffer[4];
  EXPECT_FALSE(client_->ReadFile(h, buffer, sizeof(buffer), nullptr, &overlapped));
  ASSERT_TRUE(filter_->WaitForPended(1));
  int closes = filter_->Count(IrpMajor::Close);
  EXPECT_TRUE(client_->CloseHandle(h));  // CLEANUP: the filter completes what it holds
  EXPECT_TRUE(event.WaitFor(std::chrono::seconds(10)));
  EXPECT_EQ(overlapped.status(), NtStatus::Cancelled);
  EXPECT_EQ(filter_->Count(IrpMajor::Cleanup), 1);
  EXPECT_EQ(filter_->Count(IrpMajor::Close), closes + 1);
}

TEST_F(OverlappedTest, CloseWaitsForTheRequestStillInFlight) {
  filter_->set_keepOnCleanup(true);
  Handle h = Open(FILE_FLAG_OVERLAPPED);
  Overlapped overlapped;
  char buffer[4];
  EXPECT_FALSE(client_->ReadFile(h, buffer, sizeof(buffer), nullptr, &overlapped));
  ASSERT_TRUE(filter_->WaitForPended(1));
  EXPECT_TRUE(client_->CloseHandle(h));
  // CLEANUP went down at once; CLOSE waits for the IRP's reference on the file object.
  EXPECT_EQ(filter_->Count(IrpMajor::Cleanup), 1);
  EXPECT_EQ(filter_->Count(IrpMajor::Close), 0);
  EXPECT_FALSE(HasOverlappedIoCompleted(overlapped));
  EXPECT_TRUE(filter_->ReleaseOne());
  // The open was cleaned up, so the file system refuses the late read.
  EXPECT_EQ(overlapped.status(), NtStatus::FileClosed);
  EXPECT_EQ(filter_->Count(IrpMajor::Close), 1);
}

TEST_F(OverlappedTest, NonPendingDeviceCompletesOverlappedInline) {
  filter_->set_pendReads(false);
  Handle h = Open(FILE_FLAG_OVERLAPPED);
  Event event;
  Overlapped overlapped;
  overlapped.event = &event;
  char buffer[4] = {};
  uint32_t n = 0;
  EXPECT_TRUE(client_->ReadFile(h, buffer, sizeof(buffer), &n, &overlapped));
  EXPECT_EQ(n, 4u);
  EXPECT_TRUE(event.IsSignaled());
  EXPECT_EQ(overlapped.information(), 4u);
  EXPECT_TRUE(client_->CloseHandle(h));
}

// Completion and cancellation race for many requests; each must end exactly once, as
// either a full read or an abort, with no leak and no use after free (ASan / TSan).
TEST_F(OverlappedTest, CancelRacesCompletion) {
  Handle h = Open(FILE_FLAG_OVERLAPPED);
  constexpr int kRounds = 200;
  int completed = 0, aborted = 0;
  for (int i = 0; i < kRounds; ++i) {
    Overlapped overlapped;
    char buffer[4] = {};
    ASSERT_FALSE(client_->ReadFile(h, buffer, sizeof(buffer), nullptr, &overlapped));
    ASSERT_EQ(GetLastError(), ERROR_IO_PENDING);
    ASSERT_TRUE(filter_->WaitForPended(i + 1));
    std::thread releaser([&] { filter_->ReleaseOne(); });
    client_->CancelIoEx(h, &overlapped);
    uint32_t n = 0;
    if (client_->GetOverlappedResult(h, &overlapped, &n, true)) {
      ++completed;
      EXPECT_EQ(std::string_view(buffer, n), "0123");
    } else {
      ++aborted;
      EXPECT_EQ(GetLastError(), ERROR_OPERATION_ABORTED);
    }
    releaser.join();
  }
  EXPECT_EQ(completed + aborted, kRounds);
  EXPECT_FALSE(filter_->ReleaseOne());
  EXPECT_TRUE(client_->CloseHandle(h));
}

}  // namespace
}  // namespace irpfs::inproc::testing
