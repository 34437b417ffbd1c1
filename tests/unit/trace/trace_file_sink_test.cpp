// The file sink end to end: attach with file=, send IRPs, read the lines back.
#include "drivers/filters/trace/trace_file_sink.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/io_manager.h"
#include "drivers/filters/trace/trace_filter.h"
#include "fake_drivers.h"

namespace irpfs::trace {
namespace {

class TraceFileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("irpfs-trace-test-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove(path_);
    ASSERT_EQ(IoCreateDriver("fake", testing::ImmediateDriverEntry, "", &fakeDriver_),
              NtStatus::Success);
    ASSERT_EQ(IoCreateDevice(fakeDriver_, DeviceType::DiskFileSystem, "disk0", 0, &disk_),
              NtStatus::Success);
    disk_->CreateExtension<testing::ImmediateDevice>();
  }
  void TearDown() override {
    IoUnloadDriver(traceDriver_);
    IoUnloadDriver(fakeDriver_);
    std::filesystem::remove(path_);
  }

  std::vector<std::string> Lines() {
    std::ifstream in(path_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  void SendReads(DeviceObject* top, int count) {
    for (int i = 0; i < count; ++i) {
      testing::TestIrp t(top, IrpMajor::Read);
      t.location->parameters.read = {512, 0, static_cast<uint64_t>(i) * 512, 0};
      IoCallDriverSynchronous(top, &t.irp);
    }
  }

  std::filesystem::path path_;
  DriverObject* fakeDriver_ = nullptr;
  DriverObject* traceDriver_ = nullptr;
  DeviceObject* disk_ = nullptr;
};

TEST_F(TraceFileSinkTest, JsonLinesFromDriverDefaultsAreParseable) {
  std::string parameters = "format=json,file=" + path_.string();
  ASSERT_EQ(IoCreateDriver("trace", TraceDriverEntry, parameters, &traceDriver_),
            NtStatus::Success);
  DeviceObject* filter = nullptr;
  ASSERT_EQ(TraceAttach(traceDriver_, disk_, "", &filter), NtStatus::Success);
  SendReads(filter, 3);
  TraceGetLog(filter)->FlushFile();

  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 6u);
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json record = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(record["major"], "IRP_MJ_READ");
    EXPECT_EQ(record["phase"], i % 2 == 0 ? "down" : "up");
    EXPECT_EQ(record["seq"], i + 1);
    if (i % 2 == 0) {
      EXPECT_EQ(record["offset"], i / 2 * 512);
    } else {
      EXPECT_EQ(record["status"], "STATUS_SUCCESS");
    }
  }
  // The ring saw the same records.
  EXPECT_EQ(TraceGetLog(filter)->DrainAll().size(), 6u);
  TraceDetach(filter);
}

TEST_F(TraceFileSinkTest, TextLinesAreWrittenByTheWriterThreadAndAtDetach) {
  ASSERT_EQ(IoCreateDriver("trace", TraceDriverEntry, "", &traceDriver_), NtStatus::Success);
  DeviceObject* filter = nullptr;
  ASSERT_EQ(TraceAttach(traceDriver_, disk_, "file=" + path_.string(), &filter), NtStatus::Success);
  SendReads(filter, 1);
  // Without a flush, the writer thread gets there within a few periods.
  for (int i = 0; i < 100 && Lines().size() < 2; ++i) {
    std::this_thread::sleep_for(TraceFileSink::kWritePeriod / 5);
  }
  ASSERT_EQ(Lines().size(), 2u);
  SendReads(filter, 2);
  TraceDetach(filter);  // the log's last owner goes: the sink writes what it holds
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0].find(" #1 down IRP_MJ_READ "), 30u) << lines[0];
  EXPECT_NE(lines[5].find(" #6 up IRP_MJ_READ "), std::string::npos) << lines[5];
}

TEST_F(TraceFileSinkTest, AppendsToAnExistingFile) {
  { std::ofstream(path_) << "earlier\n"; }
  ASSERT_EQ(IoCreateDriver("trace", TraceDriverEntry, "", &traceDriver_), NtStatus::Success);
  DeviceObject* filter = nullptr;
  ASSERT_EQ(TraceAttach(traceDriver_, disk_, "file=" + path_.string(), &filter), NtStatus::Success);
  SendReads(filter, 1);
  TraceDetach(filter);
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "earlier");
}

}  // namespace
}  // namespace irpfs::trace
