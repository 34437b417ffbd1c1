// Golden output of devstack and drvobj for a real stack: the four shipped filters attached
// in a scrambled order land in altitude order, and the text pins every column.
#include <gtest/gtest.h>

#include <string>

#include "control/device_snapshot.h"
#include "control/views.h"
#include "core/io_manager.h"
#include "core/stack_view.h"
#include "core/volume_stack.h"
#include "tools/driver_registry.h"

namespace irpfs::tools {
namespace {

NtStatus BaseDriverEntry(DriverObject* driver, std::string_view) {
  driver->majorFunction[static_cast<size_t>(IrpMajor::Create)] = [](DeviceObject*, Irp* irp) {
    irp->ioStatus.status = NtStatus::Success;
    IoCompleteRequest(irp);
    return NtStatus::Success;
  };
  return NtStatus::Success;
}

class StackViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(IoCreateDriver("basefs", BaseDriverEntry, "", &base_), NtStatus::Success);
    ASSERT_EQ(IoCreateDevice(base_, DeviceType::DiskFileSystem, "basefs0", do_flag::kBufferedIo,
                             &volume_),
              NtStatus::Success);
    stack_ = std::make_unique<VolumeStack>(volume_);
  }
  void TearDown() override {
    stack_.reset();
    for (DriverObject* driver : filters_) IoUnloadDriver(driver);
    IoDeleteDevice(volume_);
    IoUnloadDriver(base_);
  }
  DriverObject* Load(const char* name) {
    const FilterEntryInfo* info = FindFilter(name);
    EXPECT_NE(info, nullptr) << name;
    DriverObject* driver = nullptr;
    EXPECT_EQ(IoCreateDriver(name, info->driverEntry, "", &driver), NtStatus::Success);
    filters_.push_back(driver);
    return driver;
  }
  void Attach(const char* name) {
    ASSERT_EQ(stack_->Attach(Load(name), "", altitude::ForDriver(name)), NtStatus::Success) << name;
  }

  DriverObject* base_ = nullptr;
  DeviceObject* volume_ = nullptr;
  std::unique_ptr<VolumeStack> stack_;
  std::vector<DriverObject*> filters_;
};

TEST_F(StackViewsTest, DevStackListsFiltersInAltitudeOrder) {
  Attach("faults");
  Attach("trace");
  Attach("readonly");
  Attach("stats");
  control::DeviceStackView view{"/mnt/m", control::DeviceRowsOf(stack_->Describe())};
  EXPECT_EQ(control::RenderDevStack(view),
            "Device stack of /mnt/m (5 devices, top first; IRPs enter at >)\n"
            "  Driver    Device                Type                          Altitude  Stack  "
            "Flags\n"
            // trace names its device after the device it lands on (faults, at that time).
            "> trace     trace:faults:basefs0  FILE_DEVICE_FILTER            385000    5      "
            "DO_BUFFERED_IO\n"
            "  stats     stats:basefs0         FILE_DEVICE_FILTER            370000    4      "
            "DO_BUFFERED_IO\n"
            // readonly lets the backing descriptor query pass (FUSE passthrough).
            "  readonly  readonly:basefs0      FILE_DEVICE_FILTER            260000    3      "
            "DO_BUFFERED_IO | DO_BACKING_PASSTHROUGH\n"
            "  faults    faults:basefs0        FILE_DEVICE_FILTER            140000    2      "
            "DO_BUFFERED_IO\n"
            "  basefs    basefs0               FILE_DEVICE_DISK_FILE_SYSTEM  0         1      "
            "DO_BUFFERED_IO\n");
}

TEST_F(StackViewsTest, DetachTakesOnlyThatFilterOut) {
  Attach("stats");
  Attach("readonly");
  ASSERT_EQ(stack_->Detach("stats"), NtStatus::Success);
  control::DeviceStackView view{"/mnt/m", control::DeviceRowsOf(stack_->Describe())};
  EXPECT_EQ(control::RenderDevStack(view),
            "Device stack of /mnt/m (2 devices, top first; IRPs enter at >)\n"
            "  Driver    Device            Type                          Altitude  Stack  Flags\n"
            "> readonly  readonly:basefs0  FILE_DEVICE_FILTER            260000    2      "
            "DO_BUFFERED_IO | DO_BACKING_PASSTHROUGH\n"
            "  basefs    basefs0           FILE_DEVICE_DISK_FILE_SYSTEM  0         1      "
            "DO_BUFFERED_IO\n");
}

TEST_F(StackViewsTest, DrvObjShowsHandledAndInvalidMajors) {
  std::string table = FormatDispatchTable(base_);
  EXPECT_EQ(table.substr(0, table.find('\n', table.find("[03]"))),
            "Driver basefs\n"
            "Dispatch routines:\n"
            "[00] IRP_MJ_CREATE                        handled\n"
            "[01] IRP_MJ_CREATE_NAMED_PIPE             IopInvalidDeviceRequest\n"
            "[02] IRP_MJ_CLOSE                         IopInvalidDeviceRequest\n"
            "[03] IRP_MJ_READ                          IopInvalidDeviceRequest");
  control::DriverView view = control::SnapshotDriver(*base_);
  view.dispatch.resize(2);
  view.dispatch[0].handler = "BaseCreate";  // the real name is an anonymous lambda's
  EXPECT_EQ(control::RenderDrvObj(view),
            "Driver object basefs\n"
            "Device objects (1):\n"
            "  basefs0\n"
            "\n"
            "Dispatch routines:\n"
            "[00] IRP_MJ_CREATE                     BaseCreate\n"
            "[01] IRP_MJ_CREATE_NAMED_PIPE          IopInvalidDeviceRequest\n");
}

TEST_F(StackViewsTest, EveryShippedFilterHandlesEveryMajor) {
  for (const char* name : {"trace", "stats", "readonly", "faults"}) {
    DriverObject* driver = Load(name);
    for (const DispatchEntry& entry : DescribeDispatchTable(driver)) {
      EXPECT_TRUE(entry.handled) << name << " " << entry.name;
    }
  }
}

}  // namespace
}  // namespace irpfs::tools
