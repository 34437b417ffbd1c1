// Driver and device objects, and the shape of device stacks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/io_manager.h"

namespace irpfs {
namespace {

std::string g_lastParameters;
int g_unloads = 0;
int g_extensionsDestroyed = 0;

struct CountedExtension {
  ~CountedExtension() { ++g_extensionsDestroyed; }
  int value = 0;
};

NtStatus EntryMakingTwoDevices(DriverObject* driver, std::string_view parameters) {
  g_lastParameters = std::string(parameters);
  driver->driverUnload = [](DriverObject*) { ++g_unloads; };
  DeviceObject* device = nullptr;
  for (const char* name : {"first", "second"}) {
    NtStatus status = IoCreateDevice(driver, DeviceType::DiskFileSystem, name, 0, &device);
    if (!NtSuccess(status)) return status;
    device->CreateExtension<CountedExtension>();
  }
  return NtStatus::Success;
}

NtStatus FailingEntry(DriverObject* driver, std::string_view parameters) {
  DeviceObject* device = nullptr;
  IoCreateDevice(driver, DeviceType::DiskFileSystem, "doomed", 0, &device);
  device->CreateExtension<CountedExtension>();
  return NtStatus::InsufficientResources;
}

TEST(Driver, CreateRunsDriverEntryWithParameters) {
  g_unloads = 0;
  g_extensionsDestroyed = 0;
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("memfs", EntryMakingTwoDevices, "size=1M", &driver), NtStatus::Success);
  ASSERT_NE(driver, nullptr);
  EXPECT_EQ(driver->name(), "memfs");
  EXPECT_EQ(g_lastParameters, "size=1M");
  std::vector<DeviceObject*> devices = driver->Devices();
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0]->name(), "first");
  EXPECT_EQ(devices[1]->name(), "second");
  EXPECT_EQ(devices[0]->driverObject(), driver);

  IoUnloadDriver(driver);
  EXPECT_EQ(g_unloads, 1);
  EXPECT_EQ(g_extensionsDestroyed, 2) << "devices left at unload are deleted";
}

TEST(Driver, FailedDriverEntryKeepsNothing) {
  g_extensionsDestroyed = 0;
  DriverObject* driver = reinterpret_cast<DriverObject*>(0x1);
  EXPECT_EQ(IoCreateDriver("broken", FailingEntry, "", &driver), NtStatus::InsufficientResources);
  EXPECT_EQ(driver, nullptr);
  EXPECT_EQ(g_extensionsDestroyed, 1);
}

TEST(Driver, DeleteDeviceRemovesItFromTheDriver) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("d", nullptr, "", &driver), NtStatus::Success);
  DeviceObject* a = nullptr;
  DeviceObject* b = nullptr;
  ASSERT_EQ(IoCreateDevice(driver, DeviceType::Disk, "a", do_flag::kDirectIo, &a),
            NtStatus::Success);
  ASSERT_EQ(IoCreateDevice(driver, DeviceType::Disk, "b", 0, &b), NtStatus::Success);
  EXPECT_EQ(a->flags, do_flag::kDirectIo);
  EXPECT_EQ(a->deviceType(), DeviceType::Disk);
  IoDeleteDevice(a);
  std::vector<DeviceObject*> devices = driver->Devices();
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0], b);
  IoUnloadDriver(driver);
}

TEST(Driver, ExtensionsAreTyped) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("d", nullptr, "", &driver), NtStatus::Success);
  DeviceObject* device = nullptr;
  ASSERT_EQ(IoCreateDevice(driver, DeviceType::Disk, "a", 0, &device), NtStatus::Success);
  EXPECT_EQ(device->Extension<CountedExtension>(), nullptr);
  device->CreateExtension<CountedExtension>().value = 5;
  ASSERT_NE(device->Extension<CountedExtension>(), nullptr);
  EXPECT_EQ(device->Extension<CountedExtension>()->value, 5);
  EXPECT_EQ(device->Extension<int>(), nullptr);
  driver->CreateDriverExtension<int>(9);
  ASSERT_NE(driver->DriverExtension<int>(), nullptr);
  EXPECT_EQ(*driver->DriverExtension<int>(), 9);
  EXPECT_EQ(driver->DriverExtension<long>(), nullptr);
  IoUnloadDriver(driver);
}

TEST(DeviceStack, AttachGoesAboveTheCurrentTop) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("d", nullptr, "", &driver), NtStatus::Success);
  DeviceObject *bottom, *middle, *top;
  IoCreateDevice(driver, DeviceType::DiskFileSystem, "bottom", 0, &bottom);
  IoCreateDevice(driver, DeviceType::Filter, "middle", 0, &middle);
  IoCreateDevice(driver, DeviceType::Filter, "top", 0, &top);

  EXPECT_EQ(IoAttachDeviceToDeviceStack(middle, bottom), bottom);
  // Attaching to the bottom again lands on the current top, not on the bottom.
  EXPECT_EQ(IoAttachDeviceToDeviceStack(top, bottom), middle);
  EXPECT_EQ(bottom->stackSize, 1);
  EXPECT_EQ(middle->stackSize, 2);
  EXPECT_EQ(top->stackSize, 3);
  EXPECT_EQ(IoGetAttachedDevice(bottom), top);
  EXPECT_EQ(IoGetAttachedDevice(middle), top);
  EXPECT_EQ(top->lowerDevice, middle);
  EXPECT_EQ(middle->lowerDevice, bottom);
  EXPECT_EQ(bottom->attachedDevice, middle);

  IoDetachDevice(middle);
  EXPECT_EQ(middle->attachedDevice, nullptr);
  EXPECT_EQ(top->lowerDevice, nullptr);
  EXPECT_EQ(IoGetAttachedDevice(bottom), middle);
  IoDetachDevice(bottom);
  EXPECT_EQ(IoGetAttachedDevice(bottom), bottom);
  IoUnloadDriver(driver);
}

TEST(DeviceStack, AttachRefusesToExceedTheMaximumDepth) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("d", nullptr, "", &driver), NtStatus::Success);
  DeviceObject* bottom = nullptr;
  IoCreateDevice(driver, DeviceType::DiskFileSystem, "bottom", 0, &bottom);
  for (int depth = 2; depth <= kMaxStackSize; ++depth) {
    DeviceObject* filter = nullptr;
    IoCreateDevice(driver, DeviceType::Filter, "f" + std::to_string(depth), 0, &filter);
    ASSERT_NE(IoAttachDeviceToDeviceStack(filter, bottom), nullptr) << depth;
    EXPECT_EQ(filter->stackSize, depth);
  }
  DeviceObject* oneTooMany = nullptr;
  IoCreateDevice(driver, DeviceType::Filter, "extra", 0, &oneTooMany);
  EXPECT_EQ(IoAttachDeviceToDeviceStack(oneTooMany, bottom), nullptr);
  EXPECT_EQ(oneTooMany->lowerDevice, nullptr);
  EXPECT_EQ(IoGetAttachedDevice(bottom)->stackSize, kMaxStackSize);
  IoUnloadDriver(driver);  // deletes attached devices too, splicing them out
}

TEST(DeviceStack, DeletingAnAttachedDeviceSplicesItOut) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("d", nullptr, "", &driver), NtStatus::Success);
  DeviceObject *bottom, *middle, *top;
  IoCreateDevice(driver, DeviceType::DiskFileSystem, "bottom", 0, &bottom);
  IoCreateDevice(driver, DeviceType::Filter, "middle", 0, &middle);
  IoCreateDevice(driver, DeviceType::Filter, "top", 0, &top);
  IoAttachDeviceToDeviceStack(middle, bottom);
  IoAttachDeviceToDeviceStack(top, bottom);
  IoDeleteDevice(middle);  // a driver that forgot IoDetachDevice
  EXPECT_EQ(bottom->attachedDevice, top);
  EXPECT_EQ(top->lowerDevice, bottom);
  EXPECT_EQ(IoGetAttachedDevice(bottom), top);
  EXPECT_EQ(driver->Devices().size(), 2u);
  IoUnloadDriver(driver);
}

}  // namespace
}  // namespace irpfs
