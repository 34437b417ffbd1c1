// The tool's calls end to end: registry lookup, socket, the mount's handlers, decoding,
// rendering.
#include "control/control_queries.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "control/control_server.h"
#include "control/view_commands.h"
#include "control_test_util.h"

namespace irpfs::control {
namespace {

using testing::TempDir;

class QueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mountPoint_ = dir_.path() + "/mnt";
    ASSERT_EQ(mkdir(mountPoint_.c_str(), 0755), 0);
    socketPath_ = dir_.path() + "/run/m.sock";
    server_ = std::make_unique<ControlServer>(ControlServerOptions{.socketPath = socketPath_});
    RegisterDevStack(*server_, [this] {
      return DeviceStackView{mountPoint_,
                             {{"trace", "trace0", "FILE_DEVICE_FILTER", 385000, 4, 2},
                              {"memfs", "memfs0", "FILE_DEVICE_DISK_FILE_SYSTEM", 0, 4, 1}}};
    });
    RegisterDrvObj(*server_, [](const std::string& name) -> std::optional<DriverView> {
      if (name != "memfs") return std::nullopt;
      return DriverView{"memfs", {"memfs0"}, {{3, true, "Read"}}};
    });
    std::string error;
    ASSERT_EQ(server_->Start(&error), NtStatus::Success) << error;
    MountRecord record;
    record.mountPoint = mountPoint_;
    record.driver = "memfs";
    record.socketPath = socketPath_;
    ASSERT_EQ(registry_.Add(record, &registration_, &error), NtStatus::Success) << error;
  }

  TempDir dir_;
  std::string mountPoint_;
  std::string socketPath_;
  std::unique_ptr<ControlServer> server_;
  MountRegistry registry_{dir_.path() + "/registry"};
  MountRegistration registration_;
};

TEST_F(QueriesTest, DevStackFromAMountPoint) {
  std::string error;
  NtStatus status;
  // A path with a trailing slash and a "." still finds the mount.
  auto client = ConnectToMount(mountPoint_ + "/./", registry_, &error, &status);
  ASSERT_NE(client, nullptr) << error;
  EXPECT_EQ(status, NtStatus::Success);
  DeviceStackView stack;
  ASSERT_EQ(QueryDeviceStack(*client, &stack, &error), NtStatus::Success) << error;
  EXPECT_EQ(
      RenderDevStack(stack),
      "Device stack of " + mountPoint_ +
          " (2 devices, top first; IRPs enter at >)\n"
          "  Driver  Device  Type                          Altitude  Stack  Flags\n"
          "> trace   trace0  FILE_DEVICE_FILTER            385000    2      DO_BUFFERED_IO\n"
          "  memfs   memfs0  FILE_DEVICE_DISK_FILE_SYSTEM  0         1      DO_BUFFERED_IO\n");
}

TEST_F(QueriesTest, DrvObjAndItsErrors) {
  std::string error;
  auto client = ConnectToMount(mountPoint_, registry_, &error);
  ASSERT_NE(client, nullptr) << error;
  DriverView view;
  ASSERT_EQ(QueryDriver(*client, "memfs", &view, &error), NtStatus::Success) << error;
  EXPECT_EQ(view.devices, (std::vector<std::string>{"memfs0"}));
  ASSERT_EQ(view.dispatch.size(), 1u);
  EXPECT_EQ(view.dispatch[0].handler, "Read");
  EXPECT_EQ(QueryDriver(*client, "ntfs", &view, &error), NtStatus::Unsuccessful);
  EXPECT_EQ(error, "no driver named ntfs");
  Json bad = client->Call({{"cmd", "drvobj"}});
  EXPECT_EQ(bad, (Json{{"ok", false}, {"error", "drvobj needs a string \"driver\""}}));
}

TEST_F(QueriesTest, UnknownMountPoint) {
  std::string error;
  NtStatus status;
  EXPECT_EQ(ConnectToMount(dir_.path(), registry_, &error, &status), nullptr);
  EXPECT_EQ(status, NtStatus::ObjectNameNotFound);
  EXPECT_EQ(error, "no irpfs mount at " + dir_.path());
}

TEST_F(QueriesTest, DeviceTreeOverEveryMount) {
  MountRecord silent;
  silent.mountPoint = "/mnt/silent";
  silent.driver = "mirror";
  silent.socketPath = dir_.path() + "/run/none.sock";
  std::string error;
  MountRegistration silentRegistration;
  ASSERT_EQ(registry_.Add(silent, &silentRegistration, &error), NtStatus::Success);

  std::vector<VolumeTreeEntry> tree = CollectDeviceTree(registry_.List());
  ASSERT_EQ(tree.size(), 2u);
  // Sorted by mount point: the temp dir under /tmp comes after /mnt/silent.
  EXPECT_EQ(tree[0].mount.mountPoint, "/mnt/silent");
  EXPECT_NE(tree[0].error.find("cannot connect"), std::string::npos) << tree[0].error;
  EXPECT_TRUE(tree[1].error.empty()) << tree[1].error;
  ASSERT_EQ(tree[1].devices.size(), 2u);
  EXPECT_EQ(tree[1].devices[0].device, "trace0");
  std::string rendered = RenderDevTree(tree);
  EXPECT_NE(rendered.find("│   └── (no answer: cannot connect to " + silent.socketPath),
            std::string::npos)
      << rendered;
  EXPECT_NE(rendered.find("    ├── trace0 (trace, FILE_DEVICE_FILTER, altitude 385000)\n"),
            std::string::npos)
      << rendered;
}

}  // namespace
}  // namespace irpfs::control
