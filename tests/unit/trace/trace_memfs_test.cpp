// The trace filter above a real file system: memfs on the class driver, driven through
// the in-process Win32-like API. Every IRP the API sends must show up going down and
// coming back up, in order, with the file system's own results.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/io_manager.h"
#include "drivers/filters/trace/trace_filter.h"
#include "drivers/filters/trace/trace_format.h"
#include "drivers/memfs/memfs.h"
#include "fsclass/fs_class_driver.h"
#include "transport/inproc/client.h"

namespace irpfs::trace {
namespace {

class TraceOverMemfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(IoCreateDriver("memfs", fsclass::FsClassDriverEntry, "", &memfsDriver_),
              NtStatus::Success);
    ASSERT_EQ(fsclass::FsCreateVolume(memfsDriver_, std::make_shared<memfs::MemFs>(),
                                      {.name = "memfs0"}, &volume_),
              NtStatus::Success);
    ASSERT_EQ(IoCreateDriver("trace", TraceDriverEntry, "", &traceDriver_), NtStatus::Success);
    ASSERT_EQ(TraceAttach(traceDriver_, volume_, "", &filter_), NtStatus::Success);
    log_ = TraceGetLog(filter_);
    client_ = std::make_unique<inproc::Client>(volume_);
  }
  void TearDown() override {
    client_.reset();
    TraceDetach(filter_);
    fsclass::FsDeleteVolume(volume_);
    IoUnloadDriver(traceDriver_);
    IoUnloadDriver(memfsDriver_);
  }

  // "IRP_MJ_READ down" / "IRP_MJ_READ up STATUS_SUCCESS" for each record, in log order.
  static std::vector<std::string> Steps(const std::vector<TraceRecord>& records) {
    std::vector<std::string> steps;
    for (const TraceRecord& r : records) {
      std::string step(IrpMajorName(r.major));
      if (r.phase == TracePhase::Down) {
        step += " down";
      } else {
        step += " up ";
        step += StatusName(r.status);
      }
      steps.push_back(std::move(step));
    }
    return steps;
  }

  DriverObject* memfsDriver_ = nullptr;
  DriverObject* traceDriver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  DeviceObject* filter_ = nullptr;
  std::shared_ptr<TraceLog> log_;
  std::unique_ptr<inproc::Client> client_;
};

TEST_F(TraceOverMemfsTest, CreateWriteReadCloseIsTracedDownAndUpInOrder) {
  inproc::Handle h = client_->CreateFile("/hello.txt", access::kGenericRead | access::kGenericWrite,
                                         share::kAll, inproc::CREATE_NEW, 0);
  ASSERT_NE(h, inproc::kInvalidHandleValue);
  const char kText[] = "hello, trace";
  uint32_t written = 0;
  ASSERT_TRUE(client_->WriteFile(h, kText, sizeof kText, &written));
  char buffer[64] = {};
  uint32_t read = 0;
  ASSERT_TRUE(client_->ReadFileAt(h, buffer, sizeof buffer, 0, &read));
  EXPECT_EQ(read, sizeof kText);
  EXPECT_STREQ(buffer, kText);
  ASSERT_TRUE(client_->CloseHandle(h));

  std::vector<TraceRecord> records = log_->DrainAll();
  std::vector<std::string> expected = {
      "IRP_MJ_CREATE down",  "IRP_MJ_CREATE up STATUS_SUCCESS",
      "IRP_MJ_WRITE down",   "IRP_MJ_WRITE up STATUS_SUCCESS",
      "IRP_MJ_READ down",    "IRP_MJ_READ up STATUS_SUCCESS",
      "IRP_MJ_CLEANUP down", "IRP_MJ_CLEANUP up STATUS_SUCCESS",
      "IRP_MJ_CLOSE down",   "IRP_MJ_CLOSE up STATUS_SUCCESS",
  };
  ASSERT_EQ(Steps(records), expected);

  for (size_t i = 0; i < records.size(); i += 2) {
    const TraceRecord& down = records[i];
    const TraceRecord& up = records[i + 1];
    SCOPED_TRACE(FormatTraceText(down) + "\n" + FormatTraceText(up));
    EXPECT_EQ(up.irpId, down.irpId);
    EXPECT_GE(up.timeNs, down.timeNs);
    // Both times come from one monotonic clock: the gap is exactly the duration.
    EXPECT_EQ(static_cast<uint64_t>(up.timeNs - down.timeNs), up.durationNs);
    EXPECT_GT(up.sequence, down.sequence);
    EXPECT_FALSE(up.pending);
    EXPECT_EQ(down.fileName.view(), "/hello.txt");
    EXPECT_EQ(down.device.view(), "memfs0");
    EXPECT_EQ(down.requestor.pid, getpid());
    EXPECT_FALSE(down.process.empty());
  }
  // Key parameters and results.
  EXPECT_EQ(records[0].parameters.disposition, static_cast<uint32_t>(CreateDisposition::Create));
  EXPECT_EQ(records[1].information, static_cast<uint64_t>(CreateAction::Created));
  EXPECT_EQ(records[2].parameters.offset, 0u);
  EXPECT_EQ(records[2].parameters.length, sizeof kText);
  EXPECT_EQ(records[3].information, sizeof kText);
  EXPECT_EQ(records[4].parameters.length, sizeof buffer);
  EXPECT_EQ(records[5].information, sizeof kText);
  EXPECT_EQ(log_->dropped(), 0u);
}

TEST_F(TraceOverMemfsTest, FailedOpenIsTracedWithItsStatus) {
  inproc::Handle h =
      client_->CreateFile("/missing", access::kGenericRead, share::kAll, inproc::OPEN_EXISTING, 0);
  EXPECT_EQ(h, inproc::kInvalidHandleValue);
  std::vector<TraceRecord> records = log_->DrainAll();
  std::vector<std::string> expected = {"IRP_MJ_CREATE down",
                                       "IRP_MJ_CREATE up STATUS_OBJECT_NAME_NOT_FOUND"};
  EXPECT_EQ(Steps(records), expected);
}

TEST_F(TraceOverMemfsTest, QueryAndDirectoryIrpsCarryTheirClasses) {
  inproc::Handle h = client_->CreateFile("/f", access::kGenericRead | access::kGenericWrite,
                                         share::kAll, inproc::CREATE_NEW, 0);
  ASSERT_NE(h, inproc::kInvalidHandleValue);
  FileStat stat;
  ASSERT_TRUE(client_->GetFileInformationByHandle(h, &stat));
  ASSERT_TRUE(client_->CloseHandle(h));
  log_->DrainAll();

  inproc::FindData data;
  inproc::Handle find = client_->FindFirstFile("/*", &data);
  ASSERT_NE(find, inproc::kInvalidHandleValue);
  while (client_->FindNextFile(find, &data)) {
  }
  client_->FindClose(find);
  std::vector<TraceRecord> records = log_->DrainAll();
  bool sawQueryDirectory = false;
  for (const TraceRecord& r : records) {
    if (r.major == IrpMajor::DirectoryControl && r.phase == TracePhase::Down) {
      sawQueryDirectory = true;
      EXPECT_EQ(r.minor, minor::kQueryDirectory);
      EXPECT_EQ(r.argument.view(), "*");
    }
  }
  EXPECT_TRUE(sawQueryDirectory);
}

}  // namespace
}  // namespace irpfs::trace
