// Polling /dev/fuse after a reply (spin_poller.h) on a real mount of memfs (root only):
// serial requests are taken by a polling worker, nothing changes for the data, and a
// zero window or a single usable CPU turns polling off.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "memfs_mount.h"
#include "transport/fuse/cpu_load_probe.h"
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
    // Polls must happen here even while other tests keep the CPUs busy.
    options.channel.spinOnlyWithASpareCpu = false;
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
  // Polling yields to other work by design, so on a machine saturated by other jobs a
  // round can end without a hit: a few rounds, and one hit is enough.
  for (int round = 0; round < 5 && fs_.channel().PolledRequestCount() == 0; ++round) {
    SerialTraffic(500);
  }
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

// A pipe standing in for a worker's /dev/fuse descriptor (any descriptor behaves the
// same for the poller), a small receive buffer, and a poller with `window`.
struct PollRig {
  explicit PollRig(std::chrono::microseconds window, bool onlyWithASpareCpu = false)
      : poller(window, onlyWithASpareCpu) {
    if (pipe(fds) != 0) ADD_FAILURE() << "pipe: " << std::strerror(errno);
    blocking = fcntl(fds[0], F_GETFL);
    buffer.data = storage;
    buffer.size = sizeof storage;
  }
  ~PollRig() {
    poller.GiveUp(fds[0], blocking, &turn);
    close(fds[0]);
    close(fds[1]);
  }
  ssize_t Read() { return poller.Read(fds[0], blocking, &turn, &buffer); }
  bool Send(char c) { return write(fds[1], &c, 1) == 1; }
  int Flags() const { return fcntl(fds[0], F_GETFL); }

  int fds[2] = {-1, -1};
  int blocking = 0;
  std::byte storage[16];
  RecvBuffer buffer;
  SpinPoller poller;
  SpinPoller::Turn turn;
};

// The poll turn: a worker keeps it while no other worker handles a request; once one
// does, the CPUs have work and the turn holder goes back to blocking reads instead of
// polling (at queue depth 16 on two CPUs, polling there took a tenth of the IOPS).
TEST(SpinPollerTurnTest, IsGivenUpWhileAnotherWorkerHandlesARequest) {
  PollRig rig(std::chrono::milliseconds(5));
  ASSERT_TRUE(rig.Send('a'));
  EXPECT_EQ(rig.Read(), 1);
  EXPECT_TRUE(rig.turn.held);
  EXPECT_EQ(rig.Flags(), rig.blocking | O_NONBLOCK) << "polling";

  rig.poller.BeginHandling();  // another worker
  ASSERT_TRUE(rig.Send('b'));
  EXPECT_EQ(rig.Read(), -EAGAIN);
  EXPECT_FALSE(rig.turn.held);
  EXPECT_EQ(rig.Flags(), rig.blocking) << "back to blocking reads";
  EXPECT_EQ(rig.Read(), -EAGAIN) << "no new turn";
  rig.poller.EndHandling();

  EXPECT_EQ(rig.Read(), 1);  // "b", left for it
  EXPECT_EQ(static_cast<char>(rig.storage[0]), 'b');
  EXPECT_EQ(rig.poller.hits(), 2u);
}

// After a window that passed without a request, the next polls are skipped (2, then 4,
// ... after each such miss in a row), and a poll that finds one ends the back-off: a
// caller whose requests come further apart than the window is not polled for.
TEST(SpinPollerBackoffTest, SkipsPollsAfterAWindowWithoutARequest) {
  PollRig rig(std::chrono::microseconds(200));
  EXPECT_EQ(rig.Read(), -EAGAIN);  // a whole window, nothing: skip the next two
  ASSERT_TRUE(rig.Send('a'));
  EXPECT_EQ(rig.Read(), -EAGAIN) << "skipped although a request waits";
  EXPECT_EQ(rig.Read(), -EAGAIN);
  EXPECT_EQ(rig.Flags(), rig.blocking) << "a skipped poll leaves reads blocking";
  EXPECT_EQ(rig.Read(), 1) << "polling again";

  EXPECT_EQ(rig.Read(), -EAGAIN);  // a miss after a hit: two skips again, not four
  EXPECT_EQ(rig.Read(), -EAGAIN);
  EXPECT_EQ(rig.Read(), -EAGAIN);
  EXPECT_EQ(rig.Read(), -EAGAIN);  // polled: the second miss in a row, four skips
  ASSERT_TRUE(rig.Send('b'));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(rig.Read(), -EAGAIN) << "skip " << i;
  EXPECT_EQ(rig.Read(), 1);
  EXPECT_EQ(static_cast<char>(rig.storage[0]), 'b');
}

TEST(CpuLoadProbeTest, ReadsTheRunnableCountOfALoadavgLine) {
  EXPECT_EQ(CpuLoadProbe::RunnableTasks("0.52 0.58 0.59 3/197 11206\n"), 3);
  EXPECT_EQ(CpuLoadProbe::RunnableTasks("12.00 9.50 7.25 17/1200 99"), 17);
  for (const char* bad : {"", "0.52 0.58", "0.52 0.58 0.59 /197 1", "0.52 0.58 0.59 x/1",
                          "0.52 0.58 0.59 3 197", "0.52 0.58 0.59 99999999999/2 1"}) {
    EXPECT_EQ(CpuLoadProbe::RunnableTasks(bad), -1) << '"' << bad << '"';
  }
}

// Threads that keep every usable CPU busy until destroyed.
class BusyCpus {
 public:
  BusyCpus() {
    for (int i = 0; i < UsableCpus(); ++i) {
      threads_.emplace_back([this] {
        while (!stop_.load(std::memory_order_relaxed)) {
        }
      });
    }
  }
  ~BusyCpus() {
    stop_.store(true);
    for (std::thread& t : threads_) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// With a spinning thread per CPU and this one, more tasks are runnable than there are
// CPUs: a poller would take a CPU someone waits for.
TEST(CpuLoadProbeTest, SaysNoWhileEveryCpuIsBusy) {
  CpuLoadProbe probe;
  BusyCpus busy;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int noes = 0;
  for (int i = 0; i < 20; ++i) noes += probe.EveryRunnableTaskHasACpu() ? 0 : 1;
  EXPECT_GT(noes, 10);
}

TEST(SpinPollerTurnTest, IsNotTakenWhileAnotherTaskWouldWaitForTheCpu) {
  PollRig rig(std::chrono::milliseconds(5), /*onlyWithASpareCpu=*/true);
  BusyCpus busy;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(rig.Send('a'));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(rig.Read(), -EAGAIN) << "read " << i;
  EXPECT_EQ(rig.poller.hits(), 0u);
  EXPECT_GE(rig.poller.busySkips(), 2u);  // asked, then a few polls skipped, asked again
  EXPECT_FALSE(rig.turn.held);
  EXPECT_EQ(rig.Flags(), rig.blocking) << "a refused poll leaves reads blocking";
}

}  // namespace
}  // namespace irpfs::fuse::testing
