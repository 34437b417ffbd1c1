// The faults filter on a memfs volume: injected errors, delays through the CSQ (and their
// cancellation), short transfers, the ENOSPC budget, run-time changes.
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "drivers/filters/faults/faults_filter.h"
#include "stack_env.h"

namespace irpfs::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class FaultsTest : public ::testing::Test {
 protected:
  void Attach(std::string_view options) {
    DriverObject* driver = env_.Load("faults", faults::FaultsDriverEntry);
    DeviceObject* filter = nullptr;
    ASSERT_EQ(env_.stack().Attach(driver, options, altitude::kFaults, &filter), NtStatus::Success);
    config_ = faults::FaultsGetConfig(filter);
    ASSERT_NE(config_, nullptr);
  }

  StackEnv env_;
  std::shared_ptr<faults::FaultsConfig> config_;
};

// A READ sent asynchronously; its rundown reference is released in the originator
// completion, as a transport does.
class AsyncRead {
 public:
  AsyncRead(VolumeStack& stack, FileObject* fo, uint32_t length) : buffer_(length, '\0') {
    IoInitializeIrp(&irp_, 1);
    irp_.originalFileObject = fo;
    irp_.bufferMethod = BufferMethod::Neither;
    irp_.userBuffer = buffer_.data();
    IoStackLocation* location = IoGetNextIrpStackLocation(&irp_);
    location->majorFunction = IrpMajor::Read;
    location->fileObject = fo;
    location->parameters.read.length = length;
    IoSetOriginatorCompletion(&irp_, Done, this);
    ref_ = stack.Acquire();
    returned_ = stack.Call(ref_, &irp_);
  }
  ~AsyncRead() { Wait(10s); }

  Irp* irp() { return &irp_; }
  NtStatus returned() const { return returned_; }
  bool Wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return done_cv_.wait_for(lock, timeout, [this] { return done_; });
  }
  std::string Data() { return buffer_.substr(0, irp_.ioStatus.information); }

 private:
  static void Done(Irp*, void* context) {
    auto* self = static_cast<AsyncRead*>(context);
    self->ref_.Release();
    std::lock_guard lock(self->mutex_);
    self->done_ = true;
    self->done_cv_.notify_all();
  }

  Irp irp_;
  std::string buffer_;
  RundownReference ref_;
  NtStatus returned_ = NtStatus::Pending;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
};

TEST_F(FaultsTest, CountLimitedEio) {
  Attach("op=write,status=EIO,count=3");
  FileObject* fo = env_.MustOpen("/f");
  for (int i = 0; i < 3; ++i) {
    NtStatus status = env_.Write(fo, 0, "bad");
    EXPECT_EQ(StatusToErrno(status), EIO) << i;
  }
  EXPECT_EQ(env_.Write(fo, 0, "good"), NtStatus::Success);
  EXPECT_EQ(env_.Write(fo, 4, "!"), NtStatus::Success);
  EXPECT_EQ(env_.Contents("/f"), "good!");
  EXPECT_EQ(config_->injected(), 3u);
  EXPECT_EQ(config_->Describe(),
            "op=write,status=" + std::string(StatusName(ErrnoToStatus(EIO))) + ",count=0");
  env_.Close(fo);
}

TEST_F(FaultsTest, PathPatternSelectsFiles) {
  Attach("op=write,status=EIO,path=*.db");
  FileObject* db = env_.MustOpen("/data.db");
  FileObject* txt = env_.MustOpen("/notes.txt");
  EXPECT_EQ(StatusToErrno(env_.Write(db, 0, "x")), EIO);
  EXPECT_EQ(env_.Write(txt, 0, "x"), NtStatus::Success);
  // A pattern with '/' matches the whole path.
  ASSERT_EQ(config_->Set("op=write,status=ENOSPC,path=/notes.*"), NtStatus::Success);
  EXPECT_EQ(env_.Write(db, 0, "x"), NtStatus::Success);
  EXPECT_EQ(StatusToErrno(env_.Write(txt, 0, "x")), ENOSPC);
  env_.Close(db);
  env_.Close(txt);
}

TEST_F(FaultsTest, EnospcBudgetKeepsEarlierDataIntact) {
  Attach("enospc_after=10");
  FileObject* fo = env_.MustOpen("/f");
  uint64_t written = 0;
  ASSERT_EQ(env_.Write(fo, 0, "012345", &written), NtStatus::Success);
  EXPECT_EQ(written, 6u);
  // Crossing the budget: cut to what is left, as a full disk does.
  ASSERT_EQ(env_.Write(fo, 6, "6789AB", &written), NtStatus::Success);
  EXPECT_EQ(written, 4u);
  NtStatus status = env_.Write(fo, 10, "CDEF", &written);
  EXPECT_EQ(status, NtStatus::DiskFull);
  EXPECT_EQ(StatusToErrno(status), ENOSPC);
  EXPECT_EQ(env_.Contents("/f"), "0123456789");
  EXPECT_EQ(config_->Get().enospcAfter, 0);
  // Raising the budget at run time lets writes through again.
  ASSERT_EQ(config_->Set("enospc_after=1K"), NtStatus::Success);
  EXPECT_EQ(env_.Write(fo, 10, "CDEF"), NtStatus::Success);
  EXPECT_EQ(config_->Get().enospcAfter, 1024 - 4);
  env_.Close(fo);
}

TEST_F(FaultsTest, BudgetIsRefundedForFailedWrites) {
  Attach("enospc_after=100");
  FileObject* ro = nullptr;
  env_.MakeFile("/f", "");
  ASSERT_EQ(env_.Open("/f", access::kGenericRead, CreateDisposition::Open, &ro), NtStatus::Success);
  // memfs refuses a write on a read-only open; the charge comes back.
  EXPECT_FALSE(NtSuccess(env_.Write(ro, 0, "xxxxxxxxxx")));
  EXPECT_EQ(config_->Get().enospcAfter, 100);
  env_.Close(ro);
}

TEST_F(FaultsTest, ShortReadsAndWrites) {
  env_.MakeFile("/f", std::string(100, 'a'));
  Attach("short=read|write");
  FileObject* fo = env_.MustOpen("/f");
  std::string data;
  ASSERT_EQ(env_.Read(fo, 0, 100, &data), NtStatus::Success);
  EXPECT_EQ(data.size(), 50u);
  uint64_t written = 0;
  ASSERT_EQ(env_.Write(fo, 0, "bbbbbbbbbb", &written), NtStatus::Success);
  EXPECT_EQ(written, 5u);
  config_->Clear();
  ASSERT_EQ(env_.Read(fo, 0, 12, &data), NtStatus::Success);
  EXPECT_EQ(data, "bbbbbaaaaaaa");
  env_.Close(fo);
}

TEST_F(FaultsTest, ProbabilityZeroNeverAndOneAlways) {
  Attach("op=read,status=EIO,probability=0");
  env_.MakeFile("/f", "x");
  FileObject* fo = env_.MustOpen("/f");
  std::string data;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(env_.Read(fo, 0, 1, &data), NtStatus::Success);
  ASSERT_EQ(config_->Set("op=read,status=EIO,probability=50%,seed=7"), NtStatus::Success);
  int failed = 0;
  for (int i = 0; i < 200; ++i) failed += env_.Read(fo, 0, 1, &data) != NtStatus::Success;
  EXPECT_GT(failed, 50);
  EXPECT_LT(failed, 150);
  env_.Close(fo);
}

TEST_F(FaultsTest, LatencyPendsAndResumesThroughTheQueue) {
  env_.MakeFile("/f", "slow data");
  Attach("latency=read:40ms");
  FileObject* fo = env_.MustOpen("/f");
  auto start = Clock::now();
  AsyncRead read(env_.stack(), fo, 100);
  EXPECT_EQ(read.returned(), NtStatus::Pending);
  ASSERT_TRUE(read.Wait(5s));
  EXPECT_GE(Clock::now() - start, 40ms);
  EXPECT_EQ(read.irp()->ioStatus.status, NtStatus::Success);
  EXPECT_EQ(read.Data(), "slow data");
  EXPECT_TRUE(read.irp()->pendingReturned);
  env_.Close(fo);
}

TEST_F(FaultsTest, CancelingADelayedIrpCompletesItAtOnce) {
  env_.MakeFile("/f", "data");
  Attach("latency=read:30s");
  FileObject* fo = env_.MustOpen("/f");
  AsyncRead read(env_.stack(), fo, 100);
  EXPECT_EQ(read.returned(), NtStatus::Pending);
  EXPECT_FALSE(read.Wait(20ms));
  auto start = Clock::now();
  EXPECT_TRUE(IoCancelIrp(read.irp()));
  ASSERT_TRUE(read.Wait(2s));
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_EQ(read.irp()->ioStatus.status, NtStatus::Cancelled);
  env_.Close(fo);
}

TEST_F(FaultsTest, DelayedFailureAndDetachWaitsForDelayedIrps) {
  env_.MakeFile("/f", "data");
  Attach("op=read,delay=30ms,status=EIO");
  FileObject* fo = env_.MustOpen("/f");
  auto start = Clock::now();
  {
    AsyncRead read(env_.stack(), fo, 100);
    // Detach drains: it returns only after the delayed read has finished.
    EXPECT_EQ(env_.stack().Detach("faults"), NtStatus::Success);
    EXPECT_TRUE(read.Wait(1s));
    EXPECT_GE(Clock::now() - start, 30ms);
    EXPECT_EQ(StatusToErrno(read.irp()->ioStatus.status), EIO);
  }
  std::string data;
  EXPECT_EQ(env_.Read(fo, 0, 100, &data), NtStatus::Success);
  env_.Close(fo);
}

TEST_F(FaultsTest, DriverParametersAreTheDefaults) {
  DriverObject* driver = env_.Load("faults", faults::FaultsDriverEntry, "op=create,status=EACCES");
  ASSERT_EQ(env_.stack().Attach(driver, "", altitude::kFaults), NtStatus::Success);
  FileObject* fo = nullptr;
  EXPECT_EQ(env_.Open("/x", access::kGenericRead, CreateDisposition::OpenIf, &fo),
            NtStatus::AccessDenied);
  std::shared_ptr<faults::FaultsConfig> config;
  {
    RundownReference ref = env_.stack().Acquire();
    config = faults::FaultsFindConfig(env_.volume());
  }
  ASSERT_NE(config, nullptr);
  config->Clear();
  ASSERT_EQ(env_.Open("/x", access::kGenericRead, CreateDisposition::OpenIf, &fo),
            NtStatus::Success);
  env_.Close(fo);
  DriverObject* bad = nullptr;
  EXPECT_EQ(IoCreateDriver("faults2", faults::FaultsDriverEntry, "op=nope,status=EIO", &bad),
            NtStatus::InvalidParameter);
}

}  // namespace
}  // namespace irpfs::testing
