// Golden output of the tool's views.
#include <gtest/gtest.h>

#include "control/views.h"
#include "core/irp_codes.h"

namespace irpfs::control {
namespace {

DeviceStackView ThreeDeviceStack() {
  DeviceStackView stack;
  stack.mountPoint = "/mnt/m";
  stack.devices = {
      {"trace", "trace0", "FILE_DEVICE_FILTER", 385000, 0x4, 3},
      {"readonly", "readonly0", "FILE_DEVICE_FILTER", 260000, 0x4 | 0x10, 2},
      {"memfs", "memfs0", "FILE_DEVICE_DISK_FILE_SYSTEM", 0, 0, 1},
  };
  return stack;
}

TEST(RenderTest, DevStack) {
  EXPECT_EQ(RenderDevStack(ThreeDeviceStack()),
            "Device stack of /mnt/m (3 devices, top first; IRPs enter at >)\n"
            "  Driver    Device     Type                          Altitude  Stack  Flags\n"
            "> trace     trace0     FILE_DEVICE_FILTER            385000    3      DO_BUFFERED_IO\n"
            "  readonly  readonly0  FILE_DEVICE_FILTER            260000    2      "
            "DO_BUFFERED_IO | DO_DIRECT_IO\n"
            "  memfs     memfs0     FILE_DEVICE_DISK_FILE_SYSTEM  0         1      0\n");
}

TEST(RenderTest, DevStackEdgeCases) {
  EXPECT_EQ(RenderDevStack({"/mnt/e", {}}), "Device stack of /mnt/e: no device objects\n");
  DeviceStackView lone{"", {{"memfs", "memfs0", "", 0, 0x80 | 0x100, 1}}};
  EXPECT_EQ(RenderDevStack(lone),
            "Device stack (1 device, top first; IRPs enter at >)\n"
            "  Driver  Device  Type  Altitude  Stack  Flags\n"
            "> memfs   memfs0        0         1      DO_DEVICE_INITIALIZING | 0x100\n");
}

TEST(RenderTest, DeviceFlags) {
  EXPECT_EQ(DeviceFlagsText(0), "0");
  EXPECT_EQ(DeviceFlagsText(0x4), "DO_BUFFERED_IO");
  EXPECT_EQ(DeviceFlagsText(0x3), "0x3");
}

TEST(RenderTest, DrvObj) {
  DriverView driver;
  driver.name = "memfs";
  driver.devices = {"memfs0", "memfs1"};
  for (int major = 0; major < kIrpMajorCount; ++major) {
    DispatchRow row;
    row.major = static_cast<uint8_t>(major);
    if (major == 0x00 || major == 0x03 || major == 0x04) {
      row.handled = true;
      row.handler = major == 0x00 ? "irpfs::MiniCreate" : "irpfs::MiniReadWrite";
    }
    if (major == 0x0a) row.handled = true;  // a routine without a name
    driver.dispatch.push_back(row);
  }
  EXPECT_EQ(RenderDrvObj(driver),
            "Driver object memfs\n"
            "Device objects (2):\n"
            "  memfs0\n"
            "  memfs1\n"
            "\n"
            "Dispatch routines:\n"
            "[00] IRP_MJ_CREATE                     irpfs::MiniCreate\n"
            "[01] IRP_MJ_CREATE_NAMED_PIPE          IopInvalidDeviceRequest\n"
            "[02] IRP_MJ_CLOSE                      IopInvalidDeviceRequest\n"
            "[03] IRP_MJ_READ                       irpfs::MiniReadWrite\n"
            "[04] IRP_MJ_WRITE                      irpfs::MiniReadWrite\n"
            "[05] IRP_MJ_QUERY_INFORMATION          IopInvalidDeviceRequest\n"
            "[06] IRP_MJ_SET_INFORMATION            IopInvalidDeviceRequest\n"
            "[07] IRP_MJ_QUERY_EA                   IopInvalidDeviceRequest\n"
            "[08] IRP_MJ_SET_EA                     IopInvalidDeviceRequest\n"
            "[09] IRP_MJ_FLUSH_BUFFERS              IopInvalidDeviceRequest\n"
            "[0a] IRP_MJ_QUERY_VOLUME_INFORMATION   (unnamed routine)\n"
            "[0b] IRP_MJ_SET_VOLUME_INFORMATION     IopInvalidDeviceRequest\n"
            "[0c] IRP_MJ_DIRECTORY_CONTROL          IopInvalidDeviceRequest\n"
            "[0d] IRP_MJ_FILE_SYSTEM_CONTROL        IopInvalidDeviceRequest\n"
            "[0e] IRP_MJ_DEVICE_CONTROL             IopInvalidDeviceRequest\n"
            "[0f] IRP_MJ_INTERNAL_DEVICE_CONTROL    IopInvalidDeviceRequest\n"
            "[10] IRP_MJ_SHUTDOWN                   IopInvalidDeviceRequest\n"
            "[11] IRP_MJ_LOCK_CONTROL               IopInvalidDeviceRequest\n"
            "[12] IRP_MJ_CLEANUP                    IopInvalidDeviceRequest\n"
            "[13] IRP_MJ_CREATE_MAILSLOT            IopInvalidDeviceRequest\n"
            "[14] IRP_MJ_QUERY_SECURITY             IopInvalidDeviceRequest\n"
            "[15] IRP_MJ_SET_SECURITY               IopInvalidDeviceRequest\n"
            "[16] IRP_MJ_POWER                      IopInvalidDeviceRequest\n"
            "[17] IRP_MJ_SYSTEM_CONTROL             IopInvalidDeviceRequest\n"
            "[18] IRP_MJ_DEVICE_CHANGE              IopInvalidDeviceRequest\n"
            "[19] IRP_MJ_QUERY_QUOTA                IopInvalidDeviceRequest\n"
            "[1a] IRP_MJ_SET_QUOTA                  IopInvalidDeviceRequest\n"
            "[1b] IRP_MJ_PNP                        IopInvalidDeviceRequest\n"
            "[1c] IRP_MJ_QUERY_OPEN                 IopInvalidDeviceRequest\n");
}

TEST(RenderTest, DrvObjWithoutDevices) {
  DriverView driver{"trace", {}, {{0x12, true, "irpfs::trace::TracePassThrough"}}};
  EXPECT_EQ(RenderDrvObj(driver),
            "Driver object trace\n"
            "Device objects (0): none\n"
            "\n"
            "Dispatch routines:\n"
            "[12] IRP_MJ_CLEANUP                    irpfs::trace::TracePassThrough\n");
}

MountRecord Mount(const std::string& mountPoint, const std::string& driver, pid_t pid,
                  std::vector<std::string> filters = {}) {
  MountRecord record;
  record.mountPoint = mountPoint;
  record.driver = driver;
  record.filters = std::move(filters);
  record.pid = pid;
  record.uid = 1000;
  record.socketPath = "/run/user/1000/irpfs/" + mountPoint.substr(1) + ".sock";
  return record;
}

TEST(RenderTest, DevTree) {
  std::vector<VolumeTreeEntry> volumes(3);
  volumes[0].mount = Mount("/mnt/m", "memfs", 4242);
  volumes[0].devices = ThreeDeviceStack().devices;
  volumes[1].mount = Mount("/mnt/gone", "mirror", 4250);
  volumes[1].error = "cannot connect to /run/irpfs/mnt-gone.sock: Connection refused";
  volumes[2].mount = Mount("/srv/x", "mirror", 4300);
  volumes[2].devices = {{"mirror", "mirror0", "FILE_DEVICE_DISK_FILE_SYSTEM", 0, 0x4, 1}};
  EXPECT_EQ(RenderDevTree(volumes),
            "irpfs\n"
            "├── /mnt/m [memfs, pid 4242]\n"
            "│   ├── trace0 (trace, FILE_DEVICE_FILTER, altitude 385000)\n"
            "│   ├── readonly0 (readonly, FILE_DEVICE_FILTER, altitude 260000)\n"
            "│   └── memfs0 (memfs, FILE_DEVICE_DISK_FILE_SYSTEM)\n"
            "├── /mnt/gone [mirror, pid 4250]\n"
            "│   └── (no answer: cannot connect to /run/irpfs/mnt-gone.sock: Connection "
            "refused)\n"
            "└── /srv/x [mirror, pid 4300]\n"
            "    └── mirror0 (mirror, FILE_DEVICE_DISK_FILE_SYSTEM)\n");
  EXPECT_EQ(RenderDevTree({}), "irpfs\n└── (no mounts)\n");
}

TEST(RenderTest, MountList) {
  std::vector<MountRecord> mounts = {Mount("/mnt/m", "memfs", 4242, {"trace", "readonly"}),
                                     Mount("/srv/data", "mirror", 17)};
  EXPECT_EQ(RenderMountList(mounts),
            "MOUNT POINT  DRIVER  FILTERS         PID   UID   SOCKET\n"
            "/mnt/m       memfs   trace,readonly  4242  1000  /run/user/1000/irpfs/mnt/m.sock\n"
            "/srv/data    mirror  -               17    1000  "
            "/run/user/1000/irpfs/srv/data.sock\n");
  EXPECT_EQ(RenderMountList({}), "No irpfs mounts.\n");
}

}  // namespace
}  // namespace irpfs::control
