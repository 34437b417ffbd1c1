// The control channel of a real mount, end to end through the `irpfs` binary (root with
// /dev/fuse only; skipped otherwise): devstack order, live attach/detach of readonly,
// faults set/clear, the registry, and another uid being turned away.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "control/control_queries.h"
#include "control/mount_registry.h"
#include "transport/fuse/mount.h"

namespace irpfs::tools {
namespace {

using control::Json;

// Runs `irpfs ARGS` through the shell, returning its exit status and stdout+stderr.
int RunIrpfs(const std::string& args, std::string* output = nullptr) {
  std::string command = std::string(IRPFS_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string text;
  char chunk[512];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, pipe)) > 0) text.append(chunk, n);
  int status = pclose(pipe);
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// 0 when a new file could be written, else the errno of the failing call.
int TryWrite(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return errno;
  int err = 0;
  if (write(fd, "data", 4) != 4) err = errno;
  if (close(fd) != 0 && err == 0) err = errno;
  return err;
}

class ControlMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root and /dev/fuse";
    }
    char pattern[] = "/tmp/irpfs-stacktools-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    if (fuse::IsFuseMounted(dir_)) RunIrpfs("unmount " + dir_);
    rmdir(dir_.c_str());
  }
  void Mount(const std::string& filters) {
    std::string output;
    ASSERT_EQ(RunIrpfs("mount memfs " + dir_ + " " + filters, &output), 0) << output;
    ASSERT_TRUE(fuse::IsFuseMounted(dir_));
  }
  Json Call(const Json& request) {
    std::string error;
    auto client = control::ConnectToMount(dir_, &error);
    if (!client) return Json{{"ok", false}, {"error", error}};
    return client->Call(request);
  }
  std::vector<std::string> Drivers() {
    std::string error;
    auto client = control::ConnectToMount(dir_, &error);
    EXPECT_TRUE(client) << error;
    control::DeviceStackView view;
    std::vector<std::string> drivers;
    if (!client || !NtSuccess(control::QueryDeviceStack(*client, &view, &error))) return drivers;
    uint32_t last = UINT32_MAX;
    for (const control::DeviceRow& row : view.devices) {
      EXPECT_LE(row.altitude, last) << row.driver;
      last = row.altitude;
      drivers.push_back(row.driver);
    }
    return drivers;
  }
  std::string dir_;
};

TEST_F(ControlMountTest, DevStackIsInAltitudeOrderAndTheMountIsListed) {
  Mount("--filter faults --filter trace --filter stats");
  EXPECT_EQ(Drivers(), (std::vector<std::string>{"trace", "stats", "faults", "memfs"}));
  auto record = control::FindMount(dir_);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->driver, "memfs");
  EXPECT_EQ(record->filters, (std::vector<std::string>{"trace", "stats", "faults"}));
  std::string output;
  EXPECT_EQ(RunIrpfs("devstack " + dir_, &output), 0);
  EXPECT_NE(output.find("> trace"), std::string::npos) << output;
  EXPECT_EQ(RunIrpfs("drvobj faults --mount " + dir_, &output), 0);
  EXPECT_NE(output.find("Driver object faults"), std::string::npos) << output;
  EXPECT_NE(RunIrpfs("drvobj nosuchdriver --mount " + dir_, &output), 0);
  EXPECT_NE(output.find("nosuchdriver"), std::string::npos) << output;
}

TEST_F(ControlMountTest, AttachReadonlyMakesWritesFailWithErofsUntilDetached) {
  Mount("--filter stats");
  ASSERT_EQ(TryWrite(dir_ + "/before"), 0);
  std::string output;
  ASSERT_EQ(RunIrpfs("attach " + dir_ + " readonly", &output), 0) << output;
  EXPECT_EQ(Drivers(), (std::vector<std::string>{"stats", "readonly", "memfs"}));
  EXPECT_EQ(TryWrite(dir_ + "/during"), EROFS);
  EXPECT_EQ(TryWrite(dir_ + "/before"), EROFS);
  ASSERT_EQ(RunIrpfs("detach " + dir_ + " readonly", &output), 0) << output;
  EXPECT_EQ(Drivers(), (std::vector<std::string>{"stats", "memfs"}));
  EXPECT_EQ(TryWrite(dir_ + "/after"), 0);
  EXPECT_EQ(TryWrite(dir_ + "/before"), 0);
  // Detaching what is not there is a clear error.
  EXPECT_NE(RunIrpfs("detach " + dir_ + " readonly", &output), 0);
  EXPECT_NE(output.find("no filter named 'readonly'"), std::string::npos) << output;
}

TEST_F(ControlMountTest, FaultsSetAndClearThroughTheSocket) {
  Mount("--filter faults");
  Json set = Call({{"cmd", "faults"}, {"set", "op=write,status=EIO,path=*.bin"}});
  ASSERT_TRUE(set.value("ok", false)) << set.dump();
  EXPECT_EQ(TryWrite(dir_ + "/x.bin"), EIO);
  EXPECT_EQ(TryWrite(dir_ + "/x.txt"), 0);
  Json cleared = Call({{"cmd", "faults"}, {"clear", true}});
  ASSERT_TRUE(cleared.value("ok", false)) << cleared.dump();
  EXPECT_EQ(cleared.value("settings", "?"), "");
  EXPECT_EQ(TryWrite(dir_ + "/x.bin"), 0);
  Json bad = Call({{"cmd", "faults"}, {"set", "op=nonsense"}});
  EXPECT_FALSE(bad.value("ok", true));
  Json stats = Call({{"cmd", "stats"}});
  EXPECT_FALSE(stats.value("ok", true));
  EXPECT_NE(stats.value("error", std::string()).find("no stats filter"), std::string::npos);
}

TEST_F(ControlMountTest, AnotherUidIsRefused) {
  Mount("");
  auto record = control::FindMount(dir_);
  ASSERT_TRUE(record.has_value());
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(3);
    std::string error;
    auto client = control::ControlClient::Connect(record->socketPath, &error);
    if (!client) _exit(0);  // the socket's mode turned it away
    Json response = client->Call({{"cmd", "devstack"}});
    _exit(response.value("ok", false) ? 1 : 0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace irpfs::tools
