// The backing descriptor query (FileBackingDescriptorInformation) on its way through
// filters: refused by default (core/filter_device.h), let through by a filter that opts in.
// memfs has no host descriptors, so a query that reaches it ends in
// STATUS_INVALID_DEVICE_REQUEST, and a filter's refusal is STATUS_NOT_SUPPORTED: the two
// statuses tell which happened.
#include "drivers/filters/faults/faults_filter.h"
#include "drivers/filters/readonly/readonly_filter.h"
#include "drivers/filters/stats/stats_filter.h"
#include "drivers/filters/trace/trace_filter.h"
#include "stack_env.h"

namespace irpfs::testing {
namespace {

constexpr NtStatus kReachedTheVolume = NtStatus::InvalidDeviceRequest;
constexpr NtStatus kRefusedByAFilter = NtStatus::NotSupported;

struct QuietDevice {};

// A filter written without a thought for passthrough: it passes everything down.
NtStatus QuietDispatch(DeviceObject* device, Irp* irp) {
  return FltPassDown(device, irp);
}
NtStatus QuietAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  return FltAddFilterDevice<QuietDevice>(driver, physicalDevice, nullptr);
}
NtStatus QuietDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(QuietDispatch);
  driver->addDevice = QuietAddDevice;
  return NtStatus::Success;
}
// The same filter, declaring that it needs no data.
NtStatus OptInAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  DeviceObject* device = nullptr;
  NtStatus status = FltAddFilterDevice<QuietDevice>(driver, physicalDevice, &device);
  if (NtSuccess(status)) FltAllowBackingPassthrough(device);
  return status;
}
NtStatus OptInDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill(QuietDispatch);
  driver->addDevice = OptInAddDevice;
  return NtStatus::Success;
}

class BackingQueryTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.MakeFile("/doc", "data"); }

  NtStatus Query(FileObject* fo) {
    FileBackingDescriptorInfo backing;
    return env_.Send(
        fo, IrpMajor::QueryInformation,
        [](IoStackLocation* location) {
          location->parameters.queryFile.length = sizeof(FileBackingDescriptorInfo);
          location->parameters.queryFile.fileInformationClass =
              FileInformationClass::FileBackingDescriptorInformation;
        },
        &backing);
  }
  NtStatus QueryOpen(uint32_t access) {
    FileObject* fo = env_.MustOpen("/doc", access, CreateDisposition::Open);
    if (fo == nullptr) return NtStatus::Unsuccessful;
    NtStatus status = Query(fo);
    env_.Close(fo);
    return status;
  }
  void Attach(std::string_view name, DriverEntryRoutine entry, uint32_t altitude,
              std::string_view options = "") {
    DriverObject* driver = env_.Load(name, entry);
    ASSERT_EQ(env_.stack().Attach(driver, options, altitude), NtStatus::Success) << name;
  }

  StackEnv env_;
};

TEST_F(BackingQueryTest, WithoutFiltersTheVolumeAnswers) {
  EXPECT_EQ(QueryOpen(access::kGenericRead), kReachedTheVolume);
}

TEST_F(BackingQueryTest, AFilterRefusesItByDefault) {
  Attach("quiet", QuietDriverEntry, 300000);
  EXPECT_EQ(QueryOpen(access::kGenericRead), kRefusedByAFilter);
  // Everything else still passes.
  EXPECT_EQ(env_.Contents("/doc"), "data");
}

TEST_F(BackingQueryTest, AFilterThatOptsInLetsItPass) {
  Attach("optin", OptInDriverEntry, 300000);
  EXPECT_EQ(QueryOpen(access::kGenericRead), kReachedTheVolume);
  // One refusing filter anywhere in the stack is enough.
  Attach("quiet", QuietDriverEntry, 100000);
  EXPECT_EQ(QueryOpen(access::kGenericRead), kRefusedByAFilter);
}

TEST_F(BackingQueryTest, StatsAndFaultsRefuseIt) {
  Attach("stats", stats::StatsDriverEntry, altitude::kStats);
  EXPECT_EQ(QueryOpen(access::kGenericRead), kRefusedByAFilter);
  ASSERT_EQ(env_.stack().Detach("stats"), NtStatus::Success);
  EXPECT_EQ(QueryOpen(access::kGenericRead), kReachedTheVolume);
  Attach("faults", faults::FaultsDriverEntry, altitude::kFaults);
  EXPECT_EQ(QueryOpen(access::kGenericRead), kRefusedByAFilter);
}

TEST_F(BackingQueryTest, TraceRefusesIt) {
  // trace sends IRPs down with IoCallDriver itself, so it checks FltRefusesBackingQuery.
  Attach("trace", trace::TraceDriverEntry, altitude::kTrace);
  EXPECT_EQ(QueryOpen(access::kGenericRead), kRefusedByAFilter);
  EXPECT_EQ(env_.Contents("/doc"), "data");
}

TEST_F(BackingQueryTest, ReadonlyPassesReadOnlyOpensAndRefusesWritableOnes) {
  FileObject* writable =
      env_.MustOpen("/doc", access::kGenericRead | access::kGenericWrite, CreateDisposition::Open);
  ASSERT_NE(writable, nullptr);
  Attach("readonly", readonly::ReadonlyDriverEntry, altitude::kReadonly);
  EXPECT_EQ(QueryOpen(access::kGenericRead), kReachedTheVolume);
  // Opened before the attach with write access: passthrough would bypass the filter.
  EXPECT_EQ(Query(writable), kRefusedByAFilter);
  env_.Close(writable);
}

}  // namespace
}  // namespace irpfs::testing
