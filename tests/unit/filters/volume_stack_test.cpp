// The filter model: altitude order, relinking in the middle, attach context, rundown.
#include <atomic>
#include <chrono>
#include <thread>

#include "core/stack_view.h"
#include "stack_env.h"

namespace irpfs::testing {
namespace {

std::vector<uint32_t> Altitudes(const VolumeStack& stack) {
  std::vector<uint32_t> out;
  for (const StackEntry& entry : stack.Describe()) out.push_back(entry.altitude);
  return out;
}

// Each device's stackSize is one more than the one below; the bottom's is 1.
void ExpectConsistentSizes(const VolumeStack& stack) {
  std::vector<StackEntry> entries = stack.Describe();
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].stackSize, static_cast<int>(entries.size() - i)) << entries[i].deviceName;
  }
}

TEST(VolumeStackTest, FiltersAreOrderedByAltitudeAndIrpsVisitThemTopDown) {
  StackEnv env;
  DriverObject* a = env.Load("probeA", ProbeDriverEntry);
  DriverObject* b = env.Load("probeB", ProbeDriverEntry);
  DriverObject* c = env.Load("probeC", ProbeDriverEntry);
  env.MakeFile("/f", "data");
  FileObject* fo = env.MustOpen("/f");  // opened before any filter: must keep working
  ASSERT_EQ(env.stack().Attach(b, "", 200), NtStatus::Success);
  ASSERT_EQ(env.stack().Attach(c, "", 300), NtStatus::Success);
  ASSERT_EQ(env.stack().Attach(a, "", 100), NtStatus::Success);

  EXPECT_EQ(Altitudes(env.stack()), (std::vector<uint32_t>{300, 200, 100, 0}));
  std::vector<StackEntry> entries = env.stack().Describe();
  EXPECT_EQ(entries[0].driverName, "probeC");
  EXPECT_EQ(entries[1].driverName, "probeB");
  EXPECT_EQ(entries[2].driverName, "probeA");
  EXPECT_EQ(entries[3].driverName, "memfs");
  EXPECT_TRUE(entries[0].filter);
  EXPECT_FALSE(entries[3].filter);
  ExpectConsistentSizes(env.stack());

  Probes().Take();
  std::string data;
  ASSERT_EQ(env.Read(fo, 0, 100, &data), NtStatus::Success);
  EXPECT_EQ(data, "data");
  EXPECT_EQ(Probes().Take(), (std::vector<uint32_t>{300, 200, 100}));
  env.Close(fo);
}

TEST(VolumeStackTest, CallFitsAnIrpSizedForAnotherStack) {
  StackEnv env;
  ASSERT_EQ(env.stack().Attach(env.Load("probeA", ProbeDriverEntry), "", 100), NtStatus::Success);
  env.MakeFile("/f", "abc");
  FileObject* fo = env.MustOpen("/f");
  std::string buffer(8, '\0');
  for (int size : {1, 2, kMaxStackSize}) {
    Irp irp;
    IoInitializeIrp(&irp, size);
    irp.bufferMethod = BufferMethod::Neither;
    irp.userBuffer = buffer.data();
    IoStackLocation* location = IoGetNextIrpStackLocation(&irp);
    location->majorFunction = IrpMajor::Read;
    location->fileObject = fo;
    location->parameters.read.length = 8;
    ASSERT_EQ(env.stack().CallSynchronous(&irp), NtStatus::Success) << size;
    EXPECT_EQ(irp.stackCount, 2) << size;
    EXPECT_EQ(irp.ioStatus.information, 3u) << size;
  }
  env.Close(fo);
}

TEST(VolumeStackTest, DetachFromTheMiddleRelinksTheStack) {
  StackEnv env;
  DriverObject* a = env.Load("probeA", ProbeDriverEntry);
  DriverObject* b = env.Load("probeB", ProbeDriverEntry);
  DriverObject* c = env.Load("probeC", ProbeDriverEntry);
  ASSERT_EQ(env.stack().Attach(a, "", 100), NtStatus::Success);
  ASSERT_EQ(env.stack().Attach(b, "", 200), NtStatus::Success);
  ASSERT_EQ(env.stack().Attach(c, "", 300), NtStatus::Success);
  env.MakeFile("/f", "x");
  FileObject* fo = env.MustOpen("/f");

  ASSERT_EQ(env.stack().Detach("probeB"), NtStatus::Success);
  EXPECT_EQ(Altitudes(env.stack()), (std::vector<uint32_t>{300, 100, 0}));
  ExpectConsistentSizes(env.stack());
  Probes().Take();
  std::string data;
  ASSERT_EQ(env.Read(fo, 0, 10, &data), NtStatus::Success);
  EXPECT_EQ(Probes().Take(), (std::vector<uint32_t>{300, 100}));

  // By device name too; unknown names and the base are not filters.
  EXPECT_EQ(env.stack().Detach("probeC:memfs0"), NtStatus::Success);
  EXPECT_EQ(env.stack().Detach("probeB"), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(env.stack().Detach("memfs"), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(Altitudes(env.stack()), (std::vector<uint32_t>{100, 0}));
  EXPECT_EQ(env.stack().generation(), 5u);
  env.Close(fo);
}

TEST(VolumeStackTest, EqualAltitudeGoesAboveAndDetachByNameTakesTheTopmost) {
  StackEnv env;
  DriverObject* a = env.Load("probeA", ProbeDriverEntry);
  DeviceObject* first = nullptr;
  DeviceObject* second = nullptr;
  ASSERT_EQ(env.stack().Attach(a, "", 100, &first), NtStatus::Success);
  ASSERT_EQ(env.stack().Attach(a, "", 100, &second), NtStatus::Success);
  std::vector<StackEntry> entries = env.stack().Describe();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(env.stack().FindFilter("probeA"), second);
  ASSERT_EQ(env.stack().Detach("probeA"), NtStatus::Success);
  EXPECT_EQ(env.stack().FindFilter("probeA"), first);
}

NtStatus NoAddDeviceEntry(DriverObject* driver, std::string_view) {
  return NtStatus::Success;
}

// AddDevice sees the options and altitude, and can refuse them.
std::string gSeenOptions;
uint32_t gSeenAltitude = 0;
NtStatus PickyAddDevice(DriverObject* driver, DeviceObject* physicalDevice) {
  const AttachContext* context = IoGetAttachContext();
  if (context == nullptr) return NtStatus::InternalError;
  gSeenOptions = std::string(context->options);
  gSeenAltitude = context->altitude;
  if (context->options == "bad") {
    *context->error = "picky: bad options";
    return NtStatus::InvalidParameter;
  }
  return FltAddFilterDevice<int>(driver, physicalDevice, nullptr);
}
NtStatus PickyEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction.fill([](DeviceObject* d, Irp* irp) { return FltPassDown(d, irp); });
  driver->addDevice = PickyAddDevice;
  return NtStatus::Success;
}

TEST(VolumeStackTest, AttachPassesOptionsAndFailuresLeaveTheStackAlone) {
  StackEnv env;
  DriverObject* probe = env.Load("probeA", ProbeDriverEntry);
  ASSERT_EQ(env.stack().Attach(probe, "", 500), NtStatus::Success);
  DriverObject* bare = env.Load("bare", NoAddDeviceEntry);
  EXPECT_EQ(env.stack().Attach(bare, "", 100), NtStatus::InvalidDeviceRequest);
  DriverObject* picky = env.Load("picky", PickyEntry);
  std::string error;
  EXPECT_EQ(env.stack().Attach(picky, "bad", 100, nullptr, &error), NtStatus::InvalidParameter);
  EXPECT_EQ(error, "picky: bad options");
  EXPECT_EQ(Altitudes(env.stack()), (std::vector<uint32_t>{500, 0}));
  ExpectConsistentSizes(env.stack());

  DeviceObject* device = nullptr;
  ASSERT_EQ(env.stack().Attach(picky, "k=v", 123, &device), NtStatus::Success);
  EXPECT_EQ(gSeenOptions, "k=v");
  EXPECT_EQ(gSeenAltitude, 123u);
  EXPECT_EQ(device->altitude, 123u);
  EXPECT_EQ(device->deviceType(), DeviceType::Filter);
  EXPECT_EQ(IoGetAttachContext(), nullptr);
  EXPECT_EQ(Altitudes(env.stack()), (std::vector<uint32_t>{500, 123, 0}));
}

TEST(VolumeStackTest, StackTooDeepIsRefused) {
  StackEnv env;
  DriverObject* probe = env.Load("probeA", ProbeDriverEntry);
  for (int i = 1; i < kMaxStackSize; ++i) {
    ASSERT_EQ(env.stack().Attach(probe, "", 100 * i), NtStatus::Success) << i;
  }
  EXPECT_NE(env.stack().Attach(probe, "", 50), NtStatus::Success);
  EXPECT_EQ(env.stack().Describe().size(), static_cast<size_t>(kMaxStackSize));
  ExpectConsistentSizes(env.stack());
}

TEST(VolumeStackTest, ChangeWaitsForReferencesAndTimesOutWithoutChanging) {
  StackEnv env(VolumeStack::Options{.drainTimeout = std::chrono::milliseconds(100)});
  DriverObject* probe = env.Load("probeA", ProbeDriverEntry);
  {
    RundownReference ref = env.stack().Acquire();
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(env.stack().Attach(probe, "", 100), NtStatus::DeviceBusy);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(90));
    EXPECT_EQ(env.stack().Describe().size(), 1u);
  }
  // A reference released while the change waits lets it go ahead.
  RundownReference ref = env.stack().Acquire();
  std::atomic<bool> released{false};
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    released = true;
    ref.Release();
  });
  EXPECT_EQ(env.stack().Attach(probe, "", 100), NtStatus::Success);
  EXPECT_TRUE(released.load());
  releaser.join();
}

TEST(VolumeStackTest, NewReferencesWaitWhileTheStackChanges) {
  StackEnv env;
  std::atomic<bool> inAddDevice{false};
  std::atomic<bool> leaveAddDevice{false};
  static std::atomic<bool>* enter;
  static std::atomic<bool>* leave;
  enter = &inAddDevice;
  leave = &leaveAddDevice;
  DriverObject* slow = env.Load("slow", [](DriverObject* driver, std::string_view) {
    driver->majorFunction.fill([](DeviceObject* d, Irp* irp) { return FltPassDown(d, irp); });
    driver->addDevice = [](DriverObject* drv, DeviceObject* pdo) {
      enter->store(true);
      while (!leave->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return FltAddFilterDevice<int>(drv, pdo, nullptr);
    };
    return NtStatus::Success;
  });
  std::thread changer([&] { EXPECT_EQ(env.stack().Attach(slow, "", 10), NtStatus::Success); });
  while (!inAddDevice.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::atomic<bool> acquired{false};
  std::thread user([&] {
    RundownReference ref = env.stack().Acquire();
    acquired = true;
    EXPECT_EQ(env.stack().Top(ref)->driverObject()->name(), "slow");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(acquired.load());
  leaveAddDevice = true;
  changer.join();
  user.join();
  EXPECT_TRUE(acquired.load());
}

TEST(VolumeStackTest, DevstackAndDrvobjViews) {
  StackEnv env;
  DriverObject* probe = env.Load("probeA", ProbeDriverEntry);
  ASSERT_EQ(env.stack().Attach(probe, "", 100), NtStatus::Success);
  std::string text = FormatDeviceStack(env.stack().Describe());
  EXPECT_NE(text.find(">      100  probeA            probeA:memfs0"), std::string::npos) << text;
  EXPECT_NE(text.find("        0  memfs             memfs0"), std::string::npos) << text;

  DriverObject* bare = env.Load("bare", [](DriverObject* driver, std::string_view) {
    driver->majorFunction[static_cast<int>(IrpMajor::Read)] = [](DeviceObject*, Irp* irp) {
      return IoCompleteWith(irp, NtStatus::Success);
    };
    return NtStatus::Success;
  });
  std::vector<DispatchEntry> table = DescribeDispatchTable(bare);
  ASSERT_EQ(table.size(), static_cast<size_t>(kIrpMajorCount));
  for (const DispatchEntry& entry : table) {
    EXPECT_EQ(entry.handled, entry.major == IrpMajor::Read) << entry.name;
  }
  std::string drvobj = FormatDispatchTable(bare);
  auto line = [&drvobj](std::string_view start) {
    size_t at = drvobj.find(start);
    if (at == std::string::npos) return std::string();
    return drvobj.substr(at, drvobj.find('\n', at) - at);
  };
  EXPECT_TRUE(line("[03] IRP_MJ_READ ").ends_with(" handled")) << drvobj;
  EXPECT_TRUE(line("[04] IRP_MJ_WRITE ").ends_with(" IopInvalidDeviceRequest")) << drvobj;
  EXPECT_TRUE(drvobj.starts_with("Driver bare\n")) << drvobj;
}

TEST(VolumeStackTest, PostOperationHookChangesReadData) {
  StackEnv env;
  env.MakeFile("/greeting", "hello, world");
  DriverObject* upper = env.Load("upper", UpperDriverEntry);
  ASSERT_EQ(env.stack().Attach(upper, "", 300), NtStatus::Success);
  FileObject* fo = env.MustOpen("/greeting");
  std::string data;
  ASSERT_EQ(env.Read(fo, 0, 100, &data), NtStatus::Success);
  EXPECT_EQ(data, "HELLO, WORLD");
  // Only the data on its way up changed, not the file.
  ASSERT_EQ(env.stack().Detach("upper"), NtStatus::Success);
  ASSERT_EQ(env.Read(fo, 0, 100, &data), NtStatus::Success);
  EXPECT_EQ(data, "hello, world");
  env.Close(fo);
}

}  // namespace
}  // namespace irpfs::testing
