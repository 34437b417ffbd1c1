// Polling /dev/fuse after a reply (spin_poller.h) on a real mount of memfs (root only):
// serial requests are taken by a polling worker, nothing changes for the data, and a
// zero window or a single usable CPU turns polling off.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "memfs_mount.h"
#include "transport/fuse/spin_poller.h"

namespace irpfs::fuse::testing {
namespace {

class SpinPollTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || ::access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root and /dev/fuse";
    }
  }
  void TearDown() override { fs_.Unmount(); }

  // Attributes are not cached, so every stat is a request.
  void MountWithWindow(std::chrono::microseconds window) {
    std::string error;
    ASSERT_TRUE(fs_.CreateUncached(&error)) << error;
    FuseMountOptions options;
    options.channel.spinWindow = window;
    ASSERT_TRUE(fs_.Mount(options, &error)) << error;
  }

  // Writes a file, stats it `count` times one after another, reads it back.
  void SerialTraffic(int count) {
    const std::string path = fs_.Path("polled.txt");
    const std::string text = "answered by a worker that did not sleep\n";
    int fd = open(path.c_str(), O_CREAT | O_RDWR, 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    ASSERT_EQ(pwrite(fd, text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
    for (int i = 0; i < count; ++i) {
      struct stat st {};
      ASSERT_EQ(stat(path.c_str(), &st), 0) << std::strerror(errno);
      ASSERT_EQ(st.st_size, static_cast<off_t>(text.size()));
    }
    char back[128] = {};
    ASSERT_EQ(pread(fd, back, sizeof back, 0), static_cast<ssize_t>(text.size()));
    EXPECT_EQ(std::string(back, text.size()), text);
    ASSERT_EQ(close(fd), 0);
  }

  MemfsMount fs_;
};

TEST_F(SpinPollTest, SerialRequestsAreTakenWhilePolling) {
  if (UsableCpus() < 2) GTEST_SKIP() << "polling is off with one usable CPU";
  // A window far longer than a stat's turn-around, so a loaded machine still shows hits.
  MountWithWindow(std::chrono::milliseconds(5));
  SerialTraffic(500);
  EXPECT_GT(fs_.channel().PolledRequestCount(), 0u);
  fs_.mount().Unmount();
  EXPECT_TRUE(fs_.mount().Ended());
}

TEST_F(SpinPollTest, AZeroWindowNeverPolls) {
  MountWithWindow(std::chrono::microseconds(0));
  SerialTraffic(500);
  EXPECT_EQ(fs_.channel().PolledRequestCount(), 0u);
}

TEST(PollWindowFor, IsZeroWithOneUsableCpu) {
  if (UsableCpus() < 2) GTEST_SKIP() << "needs two CPUs to compare";
  const std::chrono::microseconds asked(50);
  EXPECT_EQ(PollWindowFor(asked), asked);
  std::chrono::microseconds onOneCpu(-1);
  std::thread confined([&] {
    cpu_set_t allowed;
    sched_getaffinity(0, sizeof allowed, &allowed);
    int first = 0;
    while (!CPU_ISSET(first, &allowed)) ++first;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    onOneCpu = PollWindowFor(asked);
  });
  confined.join();
  EXPECT_EQ(onOneCpu.count(), 0);
}

}  // namespace
}  // namespace irpfs::fuse::testing
