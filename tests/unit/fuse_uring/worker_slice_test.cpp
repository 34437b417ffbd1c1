// The serving threads' short scheduler slice (worker_slice.h): a thread gets the slice it
// asks for and can give it back, without privilege; a real-time thread is left alone;
// on a real mount every /dev/fuse worker and io_uring ring thread runs with it, and with
// slice 0 none does. Skipped on kernels without custom slices (before 6.12).
#include <dirent.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "memfs_mount.h"
#include "transport/fuse/uring_queue.h"
#include "transport/fuse/uring_support.h"
#include "transport/fuse/worker_slice.h"

namespace irpfs::fuse::testing {
namespace {

using std::chrono::microseconds;

// The slice a thread that asked for none has.
long long DefaultSliceNs() {
  long long ns = 0;
  std::thread fresh([&] { ns = ThreadSliceNs(); });
  fresh.join();
  return ns;
}

// Custom slices for SCHED_OTHER came with Linux 6.12 (asked of uname, not of the code
// under test, so a broken request fails the tests instead of skipping them).
bool KernelHasCustomSlices() {
  utsname name{};
  if (uname(&name) != 0) return false;
  int major = 0;
  int minor = 0;
  if (std::sscanf(name.release, "%d.%d", &major, &minor) != 2) return false;
  return major > 6 || (major == 6 && minor >= 12);
}

// Threads of this process whose custom slice is `ns`.
int ThreadsWithSlice(long long ns) {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    if (ThreadSliceNs(static_cast<pid_t>(std::atoi(entry->d_name))) == ns) ++count;
  }
  closedir(dir);
  return count;
}

// The same once `want` threads have it (a thread takes its slice as it starts, which may
// be just after the mount returns), or after two seconds.
int ThreadsWithSliceSoon(long long ns, int want) {
  int count = ThreadsWithSlice(ns);
  for (int i = 0; i < 200 && count < want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    count = ThreadsWithSlice(ns);
  }
  return count;
}

TEST(WorkerSliceTest, ThreadGetsTheSliceItAsksForAndGivesItBack) {
  if (!KernelHasCustomSlices()) GTEST_SKIP() << "kernel without custom slices";
  const long long standard = DefaultSliceNs();
  ASSERT_GT(standard, 100000) << "the test needs a default slice longer than the workers'";
  std::thread worker([standard] {
    EXPECT_EQ(ThreadSliceNs(), standard);
    ASSERT_EQ(RequestWorkerSlice(kShortestSlice), 0);
    EXPECT_EQ(ThreadSliceNs(), 100000);
    const int nice = getpriority(PRIO_PROCESS, 0);
    ASSERT_EQ(RequestWorkerSlice(microseconds(0)), 0);
    EXPECT_EQ(ThreadSliceNs(), standard);
    EXPECT_EQ(getpriority(PRIO_PROCESS, 0), nice);
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  });
  worker.join();
  EXPECT_EQ(ThreadSliceNs(), standard) << "only the asking thread changes";
}

TEST(WorkerSliceTest, KeepsANiceValueAndNeedsNoPrivilege) {
  if (!KernelHasCustomSlices()) GTEST_SKIP() << "kernel without custom slices";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // As an ordinary user with a raised nice value, which it could not lower again.
    if (setpriority(PRIO_PROCESS, 0, 5) != 0) _exit(10);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(11);
    if (RequestWorkerSlice(microseconds(300)) != 0) _exit(12);
    if (ThreadSliceNs() != 300000) _exit(13);
    if (getpriority(PRIO_PROCESS, 0) != 5) _exit(14);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 nice, 11 setuid, 12 refused, 13 slice, 14 nice lost";
}

TEST(WorkerSliceTest, RealTimeThreadIsLeftAlone) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for SCHED_FIFO";
  std::thread worker([] {
    sched_param fifo{};
    fifo.sched_priority = 1;
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo) != 0) {
      GTEST_SKIP() << "SCHED_FIFO refused here";
    }
    EXPECT_EQ(RequestWorkerSlice(kShortestSlice), 0);
    int policy = -1;
    sched_param now{};
    ASSERT_EQ(pthread_getschedparam(pthread_self(), &policy, &now), 0);
    EXPECT_EQ(policy, SCHED_FIFO);
    EXPECT_EQ(now.sched_priority, 1);
  });
  worker.join();
}

class WorkerSliceMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || ::access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root and /dev/fuse";
    }
    if (!KernelHasCustomSlices()) GTEST_SKIP() << "kernel without custom slices";
  }
  void TearDown() override {
    fs_.Unmount();
    // Back to what the test found, even when it failed half-way.
    if (uringToRestore_ == KernelUring::kOff) {
      std::string ignored;
      SetKernelUring(false, &ignored);
    }
  }

  void Mount(microseconds slice, bool uring = false) {
    std::string error;
    ASSERT_TRUE(fs_.CreateUncached(&error)) << error;
    FuseMountOptions options;
    options.channel.threads = 3;
    options.channel.workerSlice = slice;
    options.channel.useUring = uring;
    options.enableKernelUring = uring;
    ASSERT_TRUE(fs_.Mount(options, &error)) << error;
  }

  MemfsMount fs_;
  KernelUring uringToRestore_ = KernelUring::kUnavailable;
};

TEST_F(WorkerSliceMountTest, DevFuseWorkersRunWithTheSlice) {
  ASSERT_EQ(ThreadsWithSlice(100000), 0);
  ASSERT_NO_FATAL_FAILURE(Mount(kShortestSlice));
  EXPECT_GE(ThreadsWithSliceSoon(100000, 3), 3) << "one per worker";
  fs_.Unmount();
  EXPECT_EQ(ThreadsWithSlice(100000), 0) << "the workers are gone";
}

TEST_F(WorkerSliceMountTest, SliceZeroLeavesTheKernelDefault) {
  const long long standard = DefaultSliceNs();
  const int before = ThreadsWithSlice(standard);
  ASSERT_NO_FATAL_FAILURE(Mount(microseconds(0)));
  EXPECT_GE(ThreadsWithSliceSoon(standard, before + 3), before + 3) << "the workers kept it";
  EXPECT_EQ(ThreadsWithSlice(100000), 0);
}

TEST_F(WorkerSliceMountTest, RingThreadsRunWithTheSlice) {
  uringToRestore_ = KernelUringState();
  if (uringToRestore_ == KernelUring::kUnavailable) GTEST_SKIP() << "kernel without enable_uring";
  std::string error;
  if (!EnableKernelUring(&error)) GTEST_SKIP() << "cannot enable io_uring: " << error;
  ASSERT_NO_FATAL_FAILURE(Mount(microseconds(250), /*uring=*/true));
  ASSERT_TRUE(fs_.channel().UringActive()) << "the mount fell back to /dev/fuse";
  const int rings = static_cast<int>(UringQueue::PossibleCpuCount());
  const int withSlice = ThreadsWithSliceSoon(250000, rings + 1);
  // One ring thread per possible CPU, besides the /dev/fuse worker kept for FORGET.
  EXPECT_GE(withSlice, rings + 1);
}

}  // namespace
}  // namespace irpfs::fuse::testing
