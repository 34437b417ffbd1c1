// FUSE-over-io_uring on a real mount of memfs (root, and a kernel whose fuse module has
// enable_uring; skipped otherwise). Restores enable_uring to what it found.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <set>
#include <string>
#include <thread>

#include "counting_new.h"
#include "memfs_mount.h"
#include "transport/fuse/uring_support.h"

namespace irpfs::fuse::testing {
namespace {

class UringMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || ::access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root and /dev/fuse";
    }
    initial_ = KernelUringState();
    if (initial_ == KernelUring::kUnavailable) GTEST_SKIP() << "kernel without enable_uring";
    std::string error;
    if (!EnableKernelUring(&error)) GTEST_SKIP() << "cannot enable io_uring: " << error;
  }
  void TearDown() override {
    fs_.Unmount();
    // Back to what SetUp found, both ways: a test may have switched it off.
    if (initial_ == KernelUring::kOff || initial_ == KernelUring::kOn) {
      std::string ignored;
      SetKernelUring(initial_ == KernelUring::kOn, &ignored);
    }
  }

  // Mounts with io_uring asked for; attributes are not cached so every stat is a request.
  void MountUring(bool enableKernelUring = true,
                  std::chrono::milliseconds drainTimeout = std::chrono::milliseconds(2000)) {
    std::string error;
    ASSERT_TRUE(fs_.CreateUncached(&error)) << error;
    FuseMountOptions options;
    options.channel.useUring = true;
    options.channel.uringDepth = 4;
    options.channel.spinWindow = spinWindow_;
    options.channel.maxWrite = 128 * 1024;
    options.enableKernelUring = enableKernelUring;
    options.drainTimeout = drainTimeout;
    ASSERT_TRUE(fs_.Mount(options, &error)) << error;
  }

  // Serial stats of one file, each a request (attributes are not cached).
  void SerialStats(int count) {
    const std::string path = fs_.Path("polled");
    int fd = open(path.c_str(), O_CREAT | O_RDWR, 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    close(fd);
    for (int i = 0; i < count; ++i) {
      struct stat st {};
      ASSERT_EQ(stat(path.c_str(), &st), 0) << std::strerror(errno);
    }
  }

  KernelUring initial_ = KernelUring::kUnavailable;
  std::chrono::microseconds spinWindow_ = kDefaultSpinWindow;
  MemfsMount fs_;
};

TEST_F(UringMountTest, RingThreadsPollAfterServing) {
  if (UsableCpus() < 2) GTEST_SKIP() << "polling is off with one usable CPU";
  spinWindow_ = std::chrono::milliseconds(5);  // far longer than a stat's turn-around
  MountUring();
  ASSERT_TRUE(fs_.channel().UringActive()) << fs_.channel().uringFallbackReason();
  SerialStats(300);
  EXPECT_GT(fs_.channel().PolledRequestCount(), 0u);
}

TEST_F(UringMountTest, RingThreadsDoNotPollWithAZeroWindow) {
  spinWindow_ = std::chrono::microseconds(0);
  MountUring();
  ASSERT_TRUE(fs_.channel().UringActive()) << fs_.channel().uringFallbackReason();
  SerialStats(300);
  EXPECT_EQ(fs_.channel().PolledRequestCount(), 0u);
}

TEST_F(UringMountTest, ServesFilesThroughTheRings) {
  MountUring();
  ASSERT_TRUE(fs_.channel().UringActive()) << fs_.channel().uringFallbackReason();
  EXPECT_EQ(fs_.channel().UringQueueCount(), UringQueue::PossibleCpuCount());

  const std::string path = fs_.Path("hello.txt");
  const std::string text = "served over io_uring\n";
  int fd = open(path.c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ASSERT_EQ(close(fd), 0);

  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, static_cast<off_t>(text.size()));
  EXPECT_TRUE(S_ISREG(st.st_mode));

  fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buffer[64] = {};
  ASSERT_EQ(read(fd, buffer, sizeof buffer), static_cast<ssize_t>(text.size()));
  close(fd);
  EXPECT_EQ(std::string(buffer, text.size()), text);

  ASSERT_EQ(mkdir(fs_.Path("sub").c_str(), 0755), 0);
  std::set<std::string> names;
  DIR* dir = opendir(fs_.dir().c_str());
  ASSERT_NE(dir, nullptr);
  while (dirent* entry = readdir(dir)) names.insert(entry->d_name);
  closedir(dir);
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "hello.txt", "sub"}));

  // Everything above after INIT went through the rings, not /dev/fuse.
  EXPECT_GE(fs_.channel().UringRequestCount(), 8u);

  fs_.mount().Unmount();
  EXPECT_TRUE(fs_.mount().Ended());
  struct stat after {};
  ASSERT_EQ(stat(fs_.dir().c_str(), &after), 0);
  EXPECT_NE(after.st_dev, st.st_dev) << "still mounted";
}

void IgnoreSignal(int) {}

struct flock WholeFileLock(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  return lock;
}

// Two opens of one file: the holder keeps a whole-file OFD write lock, and a thread asks for
// the same lock on the waiter (F_OFD_SETLKW), which the dispatcher pends.
class LockContest {
 public:
  ~LockContest() {
    Join();
    if (waiter_ >= 0) close(waiter_);
    if (holder_ >= 0) close(holder_);
  }

  void Open(const std::string& path) {
    holder_ = open(path.c_str(), O_CREAT | O_RDWR, 0644);
    ASSERT_GE(holder_, 0);
    waiter_ = open(path.c_str(), O_RDWR);
    ASSERT_GE(waiter_, 0);
    struct flock lock = WholeFileLock(F_WRLCK);
    ASSERT_EQ(fcntl(holder_, F_OFD_SETLK, &lock), 0) << std::strerror(errno);
  }
  void StartWaiting() {
    thread_ = std::thread([this] {
      waitingThread_.store(pthread_self());
      struct flock wanted = WholeFileLock(F_WRLCK);
      int rc = fcntl(waiter_, F_OFD_SETLKW, &wanted);
      result_.set_value(rc == 0 ? 0 : errno);
    });
  }
  // Whether the wait ended within `timeout`.
  bool Ended(std::chrono::milliseconds timeout) {
    return done_.wait_for(timeout) == std::future_status::ready;
  }
  // Lets a waiter that still waits through, so that the test can end, and joins it.
  void Join() {
    if (!thread_.joinable()) return;
    if (!Ended(std::chrono::milliseconds(0))) {
      struct flock unlock = WholeFileLock(F_UNLCK);
      fcntl(holder_, F_OFD_SETLK, &unlock);
    }
    thread_.join();
  }
  // 0 when the waiter got the lock, else the errno of its wait. After Join.
  int Result() { return done_.get(); }
  int holder() const { return holder_; }
  pthread_t waitingThread() const { return waitingThread_.load(); }

 private:
  int holder_ = -1;
  int waiter_ = -1;
  std::atomic<pthread_t> waitingThread_{};
  std::promise<int> result_;
  std::future<int> done_ = result_.get_future();
  std::thread thread_;
};

TEST_F(UringMountTest, PendedLockIsInterrupted) {
  MountUring();
  ASSERT_TRUE(fs_.channel().UringActive()) << fs_.channel().uringFallbackReason();
  LockContest contest;
  ASSERT_NO_FATAL_FAILURE(contest.Open(fs_.Path("locked")));

  struct sigaction action {};
  action.sa_handler = &IgnoreSignal;  // no SA_RESTART: the wait must end with EINTR
  struct sigaction previous {};
  ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);

  contest.StartWaiting();
  // Pended in the dispatcher: nothing comes back while the holder keeps the lock.
  EXPECT_FALSE(contest.Ended(std::chrono::milliseconds(300)));
  pthread_kill(contest.waitingThread(), SIGUSR1);
  bool interrupted = contest.Ended(std::chrono::seconds(5));
  contest.Join();
  sigaction(SIGUSR1, &previous, nullptr);
  ASSERT_TRUE(interrupted) << "the pended lock was not interrupted";
  EXPECT_EQ(contest.Result(), EINTR);

  // The ring still serves after the interruption.
  struct stat st {};
  EXPECT_EQ(fstat(contest.holder(), &st), 0);
}

// A ring entry held by a pended request must not keep the session alive past Unmount:
// the open files make the unmount lazy, so FuseMount aborts the connection, which needs
// fusectl (without it the kernel keeps the connection, and the waiter, alive), which the
// abort mounts where it is missing.
TEST_F(UringMountTest, UnmountWithAPendedRequestEndsCleanly) {
  MountUring(/*enableKernelUring=*/true, std::chrono::milliseconds(300));
  ASSERT_TRUE(fs_.channel().UringActive()) << fs_.channel().uringFallbackReason();
  LockContest contest;
  ASSERT_NO_FATAL_FAILURE(contest.Open(fs_.Path("held")));
  contest.StartWaiting();
  EXPECT_FALSE(contest.Ended(std::chrono::milliseconds(200)));
  fs_.mount().Unmount();  // busy (open files): lazy unmount, then abort
  EXPECT_TRUE(fs_.mount().Ended());
  bool finished = contest.Ended(std::chrono::seconds(5));
  contest.Join();
  ASSERT_TRUE(finished) << "the pended lock outlived the connection";
  EXPECT_NE(contest.Result(), 0);  // the aborted connection fails the wait
}

TEST_F(UringMountTest, FallsBackToDevFuseWhenTheKernelHasItOff) {
  std::string error;
  ASSERT_TRUE(SetKernelUring(false, &error)) << error;
  MountUring(/*enableKernelUring=*/false);
  EXPECT_FALSE(fs_.channel().UringActive());
  EXPECT_FALSE(fs_.channel().uringFallbackReason().empty());
  const std::string path = fs_.Path("plain");
  int fd = open(path.c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "abc", 3), 3);
  close(fd);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 3);
  EXPECT_EQ(fs_.channel().UringRequestCount(), 0u);
}

// Section 3 of the issue, io_uring side: after warm-up, stat and read requests served by
// the rings (channel + dispatcher + memfs) allocate nothing in this process.
TEST_F(UringMountTest, HotPathAllocatesNothing) {
  MountUring();
  ASSERT_TRUE(fs_.channel().UringActive()) << fs_.channel().uringFallbackReason();
  const std::string path = fs_.Path("data");
  int fd = open(path.c_str(), O_CREAT | O_RDWR | O_DIRECT, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  alignas(4096) static char block[4096];
  std::memset(block, 'x', sizeof block);
  ASSERT_EQ(pwrite(fd, block, sizeof block, 0), 4096);

  constexpr int kRounds = 200;
  struct stat st {};
  for (int i = 0; i < 20; ++i) {  // warm-up: pools, records, caches
    fstat(fd, &st);
    pread(fd, block, sizeof block, 0);
  }
  const uint64_t requestsBefore = fs_.channel().UringRequestCount();
  const uint64_t before = AllocationCount();
  int failures = 0;
  for (int i = 0; i < kRounds; ++i) {
    if (fstat(fd, &st) != 0) ++failures;
    if (pread(fd, block, sizeof block, 0) != 4096) ++failures;
  }
  const uint64_t allocations = AllocationCount() - before;
  const uint64_t requests = fs_.channel().UringRequestCount() - requestsBefore;
  close(fd);
  EXPECT_EQ(failures, 0);
  EXPECT_GE(requests, 2u * kRounds) << "stat/read did not reach the server";
  EXPECT_EQ(allocations, 0u) << allocations << " allocations over " << requests << " requests";
}

}  // namespace
}  // namespace irpfs::fuse::testing
