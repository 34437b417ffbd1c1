// Views filled from live driver and device objects.
#include "control/device_snapshot.h"

#include <gtest/gtest.h>

#include "core/io_manager.h"

// Exported (the test links with ENABLE_EXPORTS), so drvobj can name it.
irpfs::NtStatus ControlTestDispatchRead(irpfs::DeviceObject*, irpfs::Irp* irp) {
  return irpfs::NtStatus::Success;
}

namespace irpfs::control {
namespace {

NtStatus LocalDispatch(DeviceObject*, Irp*) {
  return NtStatus::Success;
}

NtStatus TestDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction[static_cast<int>(IrpMajor::Read)] = &ControlTestDispatchRead;
  driver->majorFunction[static_cast<int>(IrpMajor::Write)] = &LocalDispatch;
  return NtStatus::Success;
}

TEST(DeviceSnapshotTest, DriverDispatchTable) {
  DriverObject* driver = nullptr;
  ASSERT_EQ(IoCreateDriver("snapfs", TestDriverEntry, "", &driver), NtStatus::Success);
  DeviceObject* device = nullptr;
  ASSERT_EQ(
      IoCreateDevice(driver, DeviceType::DiskFileSystem, "snapfs0", do_flag::kBufferedIo, &device),
      NtStatus::Success);
  DriverView view = SnapshotDriver(*driver);
  EXPECT_EQ(view.name, "snapfs");
  EXPECT_EQ(view.devices, (std::vector<std::string>{"snapfs0"}));
  ASSERT_EQ(view.dispatch.size(), static_cast<size_t>(kIrpMajorCount));
  for (const DispatchRow& row : view.dispatch) {
    bool expected = row.major == static_cast<uint8_t>(IrpMajor::Read) ||
                    row.major == static_cast<uint8_t>(IrpMajor::Write);
    EXPECT_EQ(row.handled, expected) << int(row.major);
  }
  EXPECT_EQ(view.dispatch[3].handler, "ControlTestDispatchRead");
  // A routine local to its file has no dynamic symbol: module and offset instead.
  EXPECT_NE(view.dispatch[4].handler.find("test_control+0x"), std::string::npos)
      << view.dispatch[4].handler;
  IoUnloadDriver(driver);
}

TEST(DeviceSnapshotTest, StackTopFirst) {
  DriverObject* fs = nullptr;
  DriverObject* filter = nullptr;
  ASSERT_EQ(IoCreateDriver("snapfs", TestDriverEntry, "", &fs), NtStatus::Success);
  ASSERT_EQ(IoCreateDriver("snapfilter", TestDriverEntry, "", &filter), NtStatus::Success);
  DeviceObject* volume = nullptr;
  DeviceObject* upper = nullptr;
  ASSERT_EQ(IoCreateDevice(fs, DeviceType::DiskFileSystem, "snapfs0", 0, &volume),
            NtStatus::Success);
  ASSERT_EQ(IoCreateDevice(filter, DeviceType::Filter, "snapfilter0", do_flag::kBufferedIo, &upper),
            NtStatus::Success);
  upper->altitude = 385000;
  ASSERT_EQ(IoAttachDeviceToDeviceStack(upper, volume), volume);

  std::vector<DeviceRow> rows = SnapshotDeviceStack(volume);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].driver, "snapfilter");
  EXPECT_EQ(rows[0].device, "snapfilter0");
  EXPECT_EQ(rows[0].type, "FILE_DEVICE_FILTER");
  EXPECT_EQ(rows[0].altitude, 385000u);
  EXPECT_EQ(rows[0].flags, do_flag::kBufferedIo);
  EXPECT_EQ(rows[0].stackSize, 2);
  EXPECT_EQ(rows[1].device, "snapfs0");
  EXPECT_EQ(rows[1].type, "FILE_DEVICE_DISK_FILE_SYSTEM");
  EXPECT_EQ(rows[1].stackSize, 1);
  EXPECT_EQ(SnapshotDeviceStack(upper).size(), 2u);  // from any device of the stack

  IoDetachDevice(volume);
  IoUnloadDriver(filter);
  IoUnloadDriver(fs);
}

TEST(DeviceSnapshotTest, StackEntriesBecomeRows) {
  StackEntry entry;
  entry.driverName = "trace";
  entry.deviceName = "trace0";
  entry.altitude = 385000;
  entry.flags = 4;
  entry.type = DeviceType::Filter;
  entry.stackSize = 3;
  std::vector<DeviceRow> rows = DeviceRowsOf({entry});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].driver, "trace");
  EXPECT_EQ(rows[0].device, "trace0");
  EXPECT_EQ(rows[0].type, "FILE_DEVICE_FILTER");
  EXPECT_EQ(rows[0].altitude, 385000u);
  EXPECT_EQ(rows[0].flags, 4u);
  EXPECT_EQ(rows[0].stackSize, 3);
  EXPECT_EQ(DeviceTypeName(static_cast<DeviceType>(0x77)), "0x77");
}

}  // namespace
}  // namespace irpfs::control
