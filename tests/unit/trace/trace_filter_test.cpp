// The trace filter over a scripted bottom driver: what it records, and that it passes
// every IRP and its result through unchanged.
#include "drivers/filters/trace/trace_filter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "core/file_object.h"
#include "core/io_manager.h"
#include "fake_drivers.h"

namespace irpfs::trace {
namespace {

using testing::ImmediateDevice;
using testing::TestIrp;

std::string OwnProcessName() {
  std::ifstream comm("/proc/self/comm");
  std::string name;
  std::getline(comm, name);
  return name;
}

class TraceFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(IoCreateDriver("fake", testing::ImmediateDriverEntry, "", &fakeDriver_),
              NtStatus::Success);
    ASSERT_EQ(IoCreateDevice(fakeDriver_, DeviceType::DiskFileSystem, "disk0", 0, &disk_),
              NtStatus::Success);
    bottom_ = &disk_->CreateExtension<ImmediateDevice>();
    ASSERT_EQ(IoCreateDriver("trace", TraceDriverEntry, "", &traceDriver_), NtStatus::Success);
    ASSERT_EQ(TraceAttach(traceDriver_, disk_, "capacity=256", &filter_), NtStatus::Success);
    log_ = TraceGetLog(filter_);
    ASSERT_NE(log_, nullptr);
  }
  void TearDown() override {
    TraceDetach(filter_);
    IoUnloadDriver(traceDriver_);
    IoUnloadDriver(fakeDriver_);
  }

  DriverObject* fakeDriver_ = nullptr;
  DriverObject* traceDriver_ = nullptr;
  DeviceObject* disk_ = nullptr;
  DeviceObject* filter_ = nullptr;
  ImmediateDevice* bottom_ = nullptr;
  std::shared_ptr<TraceLog> log_;
};

TEST_F(TraceFilterTest, AttachesAboveTheStackAndForwardsToIt) {
  EXPECT_EQ(IoGetAttachedDevice(disk_), filter_);
  EXPECT_EQ(filter_->lowerDevice, disk_);
  EXPECT_EQ(filter_->stackSize, 2);
  EXPECT_EQ(filter_->deviceType(), DeviceType::Filter);
  EXPECT_EQ(filter_->name(), "trace:disk0");
}

TEST_F(TraceFilterTest, EveryMajorIsRecordedDownThenUpWithTheLowerResult) {
  for (int m = 0; m < kIrpMajorCount; ++m) {
    // Odd majors fail, even ones succeed, each with its own information value.
    bottom_->results[m] = {m % 2 ? NtStatus::AccessDenied : NtStatus::Success,
                           static_cast<uint64_t>(100 + m)};
  }
  for (int m = 0; m < kIrpMajorCount; ++m) {
    auto major = static_cast<IrpMajor>(m);
    TestIrp t(filter_, major);
    NtStatus status = IoCallDriverSynchronous(filter_, &t.irp);
    EXPECT_EQ(status, m % 2 ? NtStatus::AccessDenied : NtStatus::Success) << m;
    EXPECT_EQ(t.irp.ioStatus.information, static_cast<uint64_t>(100 + m)) << m;
  }

  std::vector<TraceRecord> records = log_->DrainAll();
  ASSERT_EQ(records.size(), 2u * kIrpMajorCount);
  uint64_t lastSequence = 0;
  for (int m = 0; m < kIrpMajorCount; ++m) {
    const TraceRecord& down = records[2 * m];
    const TraceRecord& up = records[2 * m + 1];
    SCOPED_TRACE(std::string(IrpMajorName(static_cast<IrpMajor>(m))));
    EXPECT_EQ(down.phase, TracePhase::Down);
    EXPECT_EQ(up.phase, TracePhase::Up);
    EXPECT_EQ(down.major, static_cast<IrpMajor>(m));
    EXPECT_EQ(up.major, static_cast<IrpMajor>(m));
    EXPECT_EQ(up.irpId, down.irpId);
    EXPECT_EQ(up.status, m % 2 ? NtStatus::AccessDenied : NtStatus::Success);
    EXPECT_EQ(up.information, static_cast<uint64_t>(100 + m));
    EXPECT_FALSE(up.pending);
    EXPECT_GE(up.timeNs, down.timeNs);
    EXPECT_EQ(static_cast<uint64_t>(up.timeNs - down.timeNs), up.durationNs);
    EXPECT_LT(up.durationNs, uint64_t{10'000'000'000});
    EXPECT_GT(down.sequence, lastSequence);
    EXPECT_EQ(up.sequence, down.sequence + 1);
    lastSequence = up.sequence;
    EXPECT_EQ(down.device.view(), "disk0");
  }
  EXPECT_EQ(log_->dropped(), 0u);
}

TEST_F(TraceFilterTest, RecordsRequestorAndItsProcessName) {
  TestIrp t(filter_, IrpMajor::FlushBuffers);
  t.irp.requestor = {getpid(), 1234, 5678};
  IoCallDriverSynchronous(filter_, &t.irp);
  std::vector<TraceRecord> records = log_->DrainAll();
  ASSERT_EQ(records.size(), 2u);
  for (const TraceRecord& r : records) {
    EXPECT_EQ(r.requestor.pid, getpid());
    EXPECT_EQ(r.requestor.uid, 1234u);
    EXPECT_EQ(r.requestor.gid, 5678u);
    EXPECT_EQ(r.process.view(), OwnProcessName());
  }
}

TEST_F(TraceFilterTest, RecordsFileNameAndCreateParameters) {
  FileObject file;
  file.fileName = "/dir/new.txt";
  TestIrp t(filter_, IrpMajor::Create);
  t.location->fileObject = &file;
  auto& create = t.location->parameters.create;
  create.desiredAccess = access::kReadData | access::kWriteData;
  create.shareAccess = share::kRead;
  create.disposition = CreateDisposition::OpenIf;
  create.options = create_option::kNonDirectoryFile;
  create.mode = 0100644;
  bottom_->results[0] = {NtStatus::Success, static_cast<uint64_t>(CreateAction::Created)};
  IoCallDriverSynchronous(filter_, &t.irp);

  std::vector<TraceRecord> records = log_->DrainAll();
  ASSERT_EQ(records.size(), 2u);
  const TraceRecord& down = records[0];
  EXPECT_EQ(down.fileName.view(), "/dir/new.txt");
  EXPECT_EQ(down.parameters.desiredAccess, access::kReadData | access::kWriteData);
  EXPECT_EQ(down.parameters.shareAccess, share::kRead);
  EXPECT_EQ(down.parameters.disposition, static_cast<uint32_t>(CreateDisposition::OpenIf));
  EXPECT_EQ(down.parameters.createOptions, create_option::kNonDirectoryFile);
  EXPECT_EQ(down.parameters.mode, 0100644u);
  EXPECT_EQ(records[1].fileName.view(), "/dir/new.txt");
  EXPECT_EQ(records[1].information, static_cast<uint64_t>(CreateAction::Created));
}

TEST_F(TraceFilterTest, RecordsReadWriteOffsetsAndLengths) {
  TestIrp read(filter_, IrpMajor::Read);
  read.location->parameters.read = {4096, 0, 1 << 20, 0};
  IoCallDriverSynchronous(filter_, &read.irp);
  TestIrp write(filter_, IrpMajor::Write);
  write.location->parameters.write = {512, 0, 77, rw_flag::kAppend};
  IoCallDriverSynchronous(filter_, &write.irp);

  std::vector<TraceRecord> records = log_->DrainAll();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].parameters.offset, uint64_t{1} << 20);
  EXPECT_EQ(records[0].parameters.length, 4096u);
  EXPECT_EQ(records[2].parameters.offset, 77u);
  EXPECT_EQ(records[2].parameters.length, 512u);
  EXPECT_EQ(records[2].parameters.flags, rw_flag::kAppend);
}

TEST_F(TraceFilterTest, RecordsInformationClassesAndNamesInParameters) {
  FileRenameInfo rename{0, nullptr, "/to/here"};
  TestIrp set(filter_, IrpMajor::SetInformation);
  set.location->parameters.setFile = {sizeof rename, FileInformationClass::FileRenameInformation};
  set.irp.bufferMethod = BufferMethod::Buffered;
  set.irp.systemBuffer = &rename;
  IoCallDriverSynchronous(filter_, &set.irp);

  TestIrp ea(filter_, IrpMajor::QueryEa);
  ea.location->parameters.queryEa = {64, 0, "user.tag"};
  IoCallDriverSynchronous(filter_, &ea.irp);

  TestIrp dir(filter_, IrpMajor::DirectoryControl, minor::kQueryDirectory);
  dir.location->parameters.queryDirectory = {
      8192, FileInformationClass::FileFullDirectoryInformation, "*.txt", 0};
  dir.location->flags = sl::kRestartScan;
  IoCallDriverSynchronous(filter_, &dir.irp);

  TestIrp ioctl(filter_, IrpMajor::DeviceControl);
  ioctl.location->parameters.deviceIoControl = {16, 8, 0x220004, nullptr};
  IoCallDriverSynchronous(filter_, &ioctl.irp);

  std::vector<TraceRecord> records = log_->DrainAll();
  ASSERT_EQ(records.size(), 8u);
  EXPECT_EQ(records[0].parameters.infoClass,
            static_cast<uint32_t>(FileInformationClass::FileRenameInformation));
  EXPECT_EQ(records[0].argument.view(), "/to/here");
  EXPECT_EQ(records[2].argument.view(), "user.tag");
  EXPECT_EQ(records[2].parameters.length, 64u);
  EXPECT_EQ(records[4].minor, minor::kQueryDirectory);
  EXPECT_EQ(records[4].argument.view(), "*.txt");
  EXPECT_EQ(records[4].parameters.stackFlags, sl::kRestartScan);
  EXPECT_EQ(records[6].parameters.controlCode, 0x220004u);
  EXPECT_EQ(records[6].parameters.inputLength, 8u);
  EXPECT_EQ(records[6].parameters.length, 16u);
}

TEST_F(TraceFilterTest, LongFileNameIsCutAndFlagged) {
  FileObject file;
  file.fileName = "/" + std::string(400, 'x');
  TestIrp t(filter_, IrpMajor::Cleanup);
  t.location->fileObject = &file;
  IoCallDriverSynchronous(filter_, &t.irp);
  std::vector<TraceRecord> records = log_->DrainAll();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fileName.view(), file.fileName.substr(0, 256));
  EXPECT_TRUE(records[0].fileName.truncated);
}

TEST_F(TraceFilterTest, FullRingDropsAndCountsNewRecords) {
  for (int i = 0; i < 200; ++i) {  // 400 records into 256 slots
    TestIrp t(filter_, IrpMajor::FlushBuffers);
    IoCallDriverSynchronous(filter_, &t.irp);
  }
  std::vector<TraceRecord> records = log_->DrainAll();
  EXPECT_EQ(records.size(), 256u);
  EXPECT_EQ(log_->dropped(), 400u - 256u);
  EXPECT_EQ(records.front().sequence, 1u);  // the oldest are kept
  EXPECT_EQ(records.back().sequence, 256u);
}

TEST_F(TraceFilterTest, DetachRestoresTheStack) {
  TraceDetach(filter_);
  filter_ = nullptr;
  EXPECT_EQ(IoGetAttachedDevice(disk_), disk_);
  TestIrp t(disk_, IrpMajor::Read);
  EXPECT_EQ(IoCallDriverSynchronous(disk_, &t.irp), NtStatus::Success);
  EXPECT_TRUE(log_->DrainAll().empty());  // the log outlives the device
}

TEST_F(TraceFilterTest, TwoFiltersStackAndBothTrace) {
  DeviceObject* second = nullptr;
  ASSERT_EQ(TraceAttach(traceDriver_, disk_, "", &second), NtStatus::Success);
  EXPECT_EQ(second->name(), "trace:trace:disk0");
  EXPECT_EQ(second->stackSize, 3);
  TestIrp t(second, IrpMajor::Read);
  IoCallDriverSynchronous(second, &t.irp);
  auto upper = TraceGetLog(second)->DrainAll();
  auto lower = log_->DrainAll();
  ASSERT_EQ(upper.size(), 2u);
  ASSERT_EQ(lower.size(), 2u);
  // The lower filter's trip is nested inside the upper's.
  EXPECT_LE(upper[0].timeNs, lower[0].timeNs);
  EXPECT_GE(upper[1].timeNs, lower[1].timeNs);
  TraceDetach(second);
}

TEST_F(TraceFilterTest, FindLogLocatesTheTraceFromAnyDeviceOfTheStack) {
  EXPECT_EQ(TraceFindLog(disk_), log_);
  EXPECT_EQ(TraceFindLog(filter_), log_);
  DeviceObject* lone = nullptr;
  ASSERT_EQ(IoCreateDevice(fakeDriver_, DeviceType::DiskFileSystem, "lone", 0, &lone),
            NtStatus::Success);
  EXPECT_EQ(TraceFindLog(lone), nullptr);
}

TEST_F(TraceFilterTest, BareDeviceOfTheDriverPassesIrpsThroughUntraced) {
  // As a stack builder that creates the filter device itself would leave it.
  DeviceObject* bare = nullptr;
  ASSERT_EQ(IoCreateDevice(traceDriver_, DeviceType::Filter, "bare", 0, &bare), NtStatus::Success);
  ASSERT_EQ(IoAttachDeviceToDeviceStack(bare, disk_), filter_);
  bottom_->results[static_cast<int>(IrpMajor::Read)] = {NtStatus::EndOfFile, 0};
  TestIrp t(bare, IrpMajor::Read);
  EXPECT_EQ(IoCallDriverSynchronous(bare, &t.irp), NtStatus::EndOfFile);
  EXPECT_EQ(log_->DrainAll().size(), 2u);  // only the real trace device below recorded
  IoDetachDevice(filter_);
  IoDeleteDevice(bare);
}

TEST(TraceFilterPending, PendedIrpIsTracedAsPendingAndPropagatesThePendingMark) {
  DriverObject* pendingDriver = nullptr;
  DriverObject* traceDriver = nullptr;
  DeviceObject* disk = nullptr;
  DeviceObject* filter = nullptr;
  ASSERT_EQ(IoCreateDriver("pending", testing::PendingDriverEntry, "", &pendingDriver),
            NtStatus::Success);
  ASSERT_EQ(IoCreateDevice(pendingDriver, DeviceType::DiskFileSystem, "slow0", 0, &disk),
            NtStatus::Success);
  auto& queue = disk->CreateExtension<testing::PendingDevice>();
  ASSERT_EQ(IoCreateDriver("trace", TraceDriverEntry, "", &traceDriver), NtStatus::Success);
  ASSERT_EQ(TraceAttach(traceDriver, disk, "", &filter), NtStatus::Success);

  constexpr auto kDelay = std::chrono::milliseconds(20);
  std::thread completer([&] {
    Irp* irp = queue.Take();
    std::this_thread::sleep_for(kDelay);
    IoCompleteWith(irp, NtStatus::Success, 4096);
  });

  TestIrp t(filter, IrpMajor::Read);
  t.location->parameters.read = {4096, 0, 0, 0};
  std::atomic<bool> done{false};
  IoSetOriginatorCompletion(
      &t.irp, [](Irp*, void* flag) { static_cast<std::atomic<bool>*>(flag)->store(true); }, &done);
  // The filter returns what the driver below returned.
  EXPECT_EQ(IoCallDriver(filter, &t.irp), NtStatus::Pending);
  completer.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(t.irp.ioStatus.status, NtStatus::Success);
  EXPECT_EQ(t.irp.ioStatus.information, 4096u);
  // The filter re-marked its own location pending, so the originator sees it too.
  EXPECT_TRUE(t.irp.pendingReturned);

  std::vector<TraceRecord> records = TraceGetLog(filter)->DrainAll();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].phase, TracePhase::Down);
  EXPECT_FALSE(records[0].pending);
  EXPECT_EQ(records[1].phase, TracePhase::Up);
  EXPECT_TRUE(records[1].pending);
  EXPECT_EQ(records[1].status, NtStatus::Success);
  EXPECT_EQ(records[1].information, 4096u);
  EXPECT_GE(records[1].durationNs, static_cast<uint64_t>(std::chrono::nanoseconds(kDelay).count()));

  TraceDetach(filter);
  IoUnloadDriver(traceDriver);
  IoUnloadDriver(pendingDriver);
}

TEST(TraceFilterConcurrency, ManyThreadsEachSeeTheirOwnDownAndUp) {
  DriverObject* fakeDriver = nullptr;
  DriverObject* traceDriver = nullptr;
  DeviceObject* disk = nullptr;
  DeviceObject* filter = nullptr;
  ASSERT_EQ(IoCreateDriver("fake", testing::ImmediateDriverEntry, "", &fakeDriver),
            NtStatus::Success);
  ASSERT_EQ(IoCreateDevice(fakeDriver, DeviceType::DiskFileSystem, "disk0", 0, &disk),
            NtStatus::Success);
  disk->CreateExtension<ImmediateDevice>();
  ASSERT_EQ(IoCreateDriver("trace", TraceDriverEntry, "capacity=8192", &traceDriver),
            NtStatus::Success);
  ASSERT_EQ(TraceAttach(traceDriver, disk, "", &filter), NtStatus::Success);

  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([filter, i] {
      for (int n = 0; n < kPerThread; ++n) {
        TestIrp t(filter, IrpMajor::Write);
        t.irp.requestor = {getpid(), 0, 0};  // every thread hits the same name cache slot
        t.location->parameters.write = {1, 0, static_cast<uint64_t>(i), 0};
        IoCallDriverSynchronous(filter, &t.irp);
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::vector<TraceRecord> records = TraceGetLog(filter)->DrainAll();
  ASSERT_EQ(records.size(), 2u * kThreads * kPerThread);
  std::vector<int> downs(kThreads), ups(kThreads);
  std::map<uint64_t, int> open;  // irpId -> downs not yet matched by an up
  std::sort(records.begin(), records.end(),
            [](const TraceRecord& a, const TraceRecord& b) { return a.sequence < b.sequence; });
  const std::string processName = OwnProcessName();
  for (const TraceRecord& r : records) {
    ASSERT_EQ(r.process.view(), processName);
    if (r.phase == TracePhase::Down) {
      ++downs[r.parameters.offset];
      ++open[r.irpId];
    } else {
      ASSERT_GT(open[r.irpId], 0) << "up before its down";
      --open[r.irpId];
      ++ups[0];
    }
  }
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(downs[i], kPerThread);
  EXPECT_EQ(ups[0], kThreads * kPerThread);

  TraceDetach(filter);
  IoUnloadDriver(traceDriver);
  IoUnloadDriver(fakeDriver);
}

}  // namespace
}  // namespace irpfs::trace
