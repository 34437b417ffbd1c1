#include "drivers/filters/trace/trace_options.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <ostream>

#include "core/io_manager.h"
#include "drivers/filters/trace/trace_filter.h"

namespace irpfs::trace {
namespace {

TEST(TraceOptions, EmptyKeepsDefaults) {
  TraceOptions options;
  EXPECT_EQ(ParseTraceOptions("", &options), NtStatus::Success);
  EXPECT_EQ(options.format, TraceFormat::Text);
  EXPECT_EQ(options.capacity, 4096u);
  EXPECT_TRUE(options.filePath.empty());
}

TEST(TraceOptions, ParsesEveryKey) {
  TraceOptions options;
  ASSERT_EQ(ParseTraceOptions(" format=json , file=/tmp/t.jsonl,capacity=100", &options),
            NtStatus::Success);
  EXPECT_EQ(options.format, TraceFormat::Json);
  EXPECT_EQ(options.filePath, "/tmp/t.jsonl");
  EXPECT_EQ(options.capacity, 100u);
}

TEST(TraceOptions, LaterStringOverridesEarlierDefaults) {
  TraceOptions options;
  ASSERT_EQ(ParseTraceOptions("format=json,capacity=10", &options), NtStatus::Success);
  ASSERT_EQ(ParseTraceOptions("capacity=20", &options), NtStatus::Success);
  EXPECT_EQ(options.format, TraceFormat::Json);
  EXPECT_EQ(options.capacity, 20u);
}

struct BadOption {
  const char* text;
  const char* errorMentions;
};

void PrintTo(const BadOption& bad, std::ostream* out) {
  *out << '"' << bad.text << '"';
}

class TraceOptionsRejects : public ::testing::TestWithParam<BadOption> {};

TEST_P(TraceOptionsRejects, WithInvalidParameterAndLeavesOptionsAlone) {
  TraceOptions options;
  options.capacity = 7;
  std::string error;
  EXPECT_EQ(ParseTraceOptions(GetParam().text, &options, &error), NtStatus::InvalidParameter);
  EXPECT_NE(error.find(GetParam().errorMentions), std::string::npos) << error;
  EXPECT_EQ(options.capacity, 7u);
}

INSTANTIATE_TEST_SUITE_P(
    Bad, TraceOptionsRejects,
    ::testing::Values(BadOption{"format=xml", "xml"}, BadOption{"colour=red", "colour"},
                      BadOption{"capacity=0", "capacity"}, BadOption{"capacity=12abc", "12abc"},
                      BadOption{"capacity=-1", "capacity"},
                      BadOption{"capacity=1048577", "1048577"},
                      BadOption{"capacity=99999999999999999999999", "capacity"},
                      BadOption{"file=", "file"}, BadOption{"json", "key=value"},
                      BadOption{"capacity=8,,format=json", "empty"},
                      BadOption{"capacity=8,capacity=9", "twice"}));

TEST(TraceOptions, DriverEntryRejectsBadParameters) {
  DriverObject* driver = reinterpret_cast<DriverObject*>(1);
  EXPECT_EQ(IoCreateDriver("trace", TraceDriverEntry, "format=yaml", &driver),
            NtStatus::InvalidParameter);
  EXPECT_EQ(driver, nullptr);
}

TEST(TraceOptions, AttachRejectsBadOptionsAndAttachesNothing) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("trace", TraceDriverEntry, "format=json", &driver), NtStatus::Success);
  DeviceObject* volume = nullptr;
  ASSERT_EQ(IoCreateDevice(driver, DeviceType::DiskFileSystem, "vol", 0, &volume),
            NtStatus::Success);
  DeviceObject* filter = reinterpret_cast<DeviceObject*>(1);
  std::string error;
  EXPECT_EQ(TraceAttach(driver, volume, "capacity=none", &filter, &error),
            NtStatus::InvalidParameter);
  EXPECT_EQ(filter, nullptr);
  EXPECT_NE(error.find("capacity"), std::string::npos);
  EXPECT_EQ(IoGetAttachedDevice(volume), volume);
  EXPECT_EQ(driver->Devices().size(), 1u);
  IoUnloadDriver(driver);
}

TEST(TraceOptions, AttachFailsWhenTheFileCannotBeOpened) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("trace", TraceDriverEntry, "", &driver), NtStatus::Success);
  DeviceObject* volume = nullptr;
  ASSERT_EQ(IoCreateDevice(driver, DeviceType::DiskFileSystem, "vol", 0, &volume),
            NtStatus::Success);
  DeviceObject* filter = nullptr;
  EXPECT_EQ(TraceAttach(driver, volume, "file=/nonexistent-dir/trace.log", &filter),
            ErrnoToStatus(ENOENT));
  EXPECT_EQ(IoGetAttachedDevice(volume), volume);
  IoUnloadDriver(driver);
}

TEST(TraceOptions, AttachRejectsADriverThatIsNotTrace) {
  DriverObject* other = nullptr;
  ASSERT_EQ(IoCreateDriver("other", nullptr, "", &other), NtStatus::Success);
  DeviceObject* volume = nullptr;
  ASSERT_EQ(IoCreateDevice(other, DeviceType::DiskFileSystem, "vol", 0, &volume),
            NtStatus::Success);
  DeviceObject* filter = nullptr;
  EXPECT_EQ(TraceAttach(other, volume, "", &filter), NtStatus::InvalidParameter);
  EXPECT_EQ(TraceGetLog(volume), nullptr);
  IoUnloadDriver(other);
}

}  // namespace
}  // namespace irpfs::trace
