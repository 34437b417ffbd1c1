// Mounts the channel for real (root and /dev/fuse required, else skipped) with a tiny
// dispatcher, and checks what applications see through the kernel.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>

#include "hello_dispatcher.h"
#include "transport/fuse/fuse_mount.h"

namespace irpfs::fuse {
namespace {

using testing::HelloDispatcher;
using testing::kHelloData;

class MountSmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root and /dev/fuse";
    }
    char pattern[] = "/tmp/irpfs-smoke-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    mount_.Unmount();
    if (!dir_.empty()) rmdir(dir_.c_str());
  }

  FuseMountOptions Options() {
    FuseMountOptions options;
    options.mount.mountpoint = dir_;
    options.mount.fsname = "irpfs-smoke";
    options.channel.threads = 2;
    options.channel.readdirplus = false;  // HelloDispatcher implements READDIR only
    return options;
  }

  std::string dir_;
  HelloDispatcher dispatcher_;
  FuseMount mount_;
};

TEST_F(MountSmokeTest, MountsServesAndUnmounts) {
  std::string error;
  ASSERT_EQ(mount_.Mount(Options(), dispatcher_, &error), NtStatus::Success) << error;
  EXPECT_EQ(dispatcher_.initCalls.load(), 1);
  EXPECT_TRUE(IsFuseMounted(dir_));
  EXPECT_GE(mount_.connectionId(), 0);
  EXPECT_EQ(dispatcher_.info.maxWrite, 1u << 20);
  EXPECT_TRUE(dispatcher_.info.KernelOffers(init_flag::kInitExt));
  ASSERT_NE(mount_.channel(), nullptr);
  EXPECT_EQ(mount_.channel()->WorkerCount(), 2u);
  EXPECT_EQ(mount_.channel()->ClonedWorkerCount(), 1u);  // FUSE_DEV_IOC_CLONE worked

  struct stat st;
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  ASSERT_EQ(stat((dir_ + "/hello").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, static_cast<off_t>(kHelloData.size()));
  EXPECT_NE(stat((dir_ + "/missing").c_str(), &st), 0);
  EXPECT_EQ(errno, ENOENT);

  int fd = open((dir_ + "/hello").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buffer[64] = {};
  EXPECT_EQ(read(fd, buffer, sizeof buffer), static_cast<ssize_t>(kHelloData.size()));
  EXPECT_EQ(std::string(buffer), kHelloData);
  close(fd);
  EXPECT_LT(open((dir_ + "/hello").c_str(), O_WRONLY), 0);

  std::set<std::string> names;
  DIR* d = opendir(dir_.c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = readdir(d)) names.insert(e->d_name);
  closedir(d);
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "hello"}));

  struct statvfs vfs;
  ASSERT_EQ(statvfs(dir_.c_str(), &vfs), 0);
  EXPECT_EQ(vfs.f_blocks, 100u);

  // An opcode the dispatcher has no handler for: the default answers ENOSYS, the kernel maps it.
  EXPECT_NE(mkdir((dir_ + "/d").c_str(), 0755), 0);

  mount_.Unmount();
  EXPECT_FALSE(IsFuseMounted(dir_));
  EXPECT_FALSE(mount_.mounted());
}

TEST_F(MountSmokeTest, ExternalUnmountEndsTheSession) {
  std::string error;
  ASSERT_EQ(mount_.Mount(Options(), dispatcher_, &error), NtStatus::Success) << error;
  ASSERT_EQ(UnmountFuse(dir_, false, &error), true) << error;
  mount_.Wait();
  EXPECT_TRUE(mount_.Ended());
}

// A machine without systemd may not have the fuse control file system mounted; the abort
// (the last resort of Unmount when open files keep a lazily-unmounted connection alive)
// mounts it rather than leaving the connection, and its waiters, alive.
TEST_F(MountSmokeTest, AbortMountsFusectlWhereItIsMissing) {
  std::string error;
  ASSERT_EQ(mount_.Mount(Options(), dispatcher_, &error), NtStatus::Success) << error;
  if (umount("/sys/fs/fuse/connections") != 0 && errno != EINVAL) {
    GTEST_SKIP() << "cannot unmount fusectl here: " << std::strerror(errno);
  }
  ASSERT_NE(
      access(("/sys/fs/fuse/connections/" + std::to_string(mount_.connectionId())).c_str(), F_OK),
      0);
  ASSERT_TRUE(AbortFuseConnection(mount_.connectionId()));
  struct stat st;
  EXPECT_NE(stat((dir_ + "/hello").c_str(), &st), 0);
  EXPECT_EQ(errno, ENOTCONN);
  mount_.Wait();
  EXPECT_TRUE(mount_.Ended());
  // The aborted connection's mount point would answer ENOTCONN until someone unmounts it.
  EXPECT_TRUE(IsFuseMounted(dir_));
  mount_.Unmount();
  EXPECT_FALSE(IsFuseMounted(dir_));
}

TEST_F(MountSmokeTest, FusermountPath) {
  if (system("command -v fusermount3 >/dev/null 2>&1") != 0) GTEST_SKIP() << "no fusermount3";
  FuseMountOptions options = Options();
  options.mount.forceFusermount = true;
  std::string error;
  ASSERT_EQ(mount_.Mount(options, dispatcher_, &error), NtStatus::Success) << error;
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/hello").c_str(), &st), 0);
  mount_.Unmount();
  EXPECT_FALSE(IsFuseMounted(dir_));
}

// Opens of "hello" are answered with a passthrough backing file: the kernel then reads
// the backing file itself and no READ reaches the dispatcher.
class PassthroughDispatcher : public HelloDispatcher {
 public:
  std::atomic<int> backingId{0};
  std::atomic<int> reads{0};
  void Open(const RequestContext& ctx, const fuse_open_in& in, Reply reply) override {
    if (ctx.nodeid != testing::kHelloIno) return reply.Error(EISDIR);
    reply.Open(fuse_open_out{7, fopen::kPassthrough, backingId.load()});
  }
  void Read(const RequestContext& ctx, const fuse_read_in& in, Reply reply) override {
    ++reads;
    HelloDispatcher::Read(ctx, in, std::move(reply));
  }
};

TEST_F(MountSmokeTest, PassthroughBackingFiles) {
  PassthroughDispatcher dispatcher;
  FuseMountOptions options = Options();
  options.channel.passthrough = true;
  std::string error;
  ASSERT_EQ(mount_.Mount(options, dispatcher, &error), NtStatus::Success) << error;
  if (!dispatcher.info.Has(init_flag::kPassthrough)) {
    GTEST_SKIP() << "the kernel did not agree to FUSE_PASSTHROUGH";
  }
  std::string backingPath = dir_ + ".backing";
  const std::string content = "Passthrough!\n";  // as long as kHelloData
  ASSERT_EQ(content.size(), kHelloData.size());
  int backing = open(backingPath.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0600);
  ASSERT_GE(backing, 0);
  ASSERT_EQ(write(backing, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  int id = mount_.transport()->OpenBacking(backing);
  close(backing);
  unlink(backingPath.c_str());
  ASSERT_GT(id, 0) << "FUSE_DEV_IOC_BACKING_OPEN: errno " << -id;
  dispatcher.backingId = id;

  int fd = open((dir_ + "/hello").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buffer[64] = {};
  EXPECT_EQ(read(fd, buffer, sizeof buffer), static_cast<ssize_t>(content.size()));
  EXPECT_EQ(std::string(buffer), content);
  close(fd);
  EXPECT_EQ(dispatcher.reads.load(), 0);
  EXPECT_EQ(mount_.transport()->CloseBacking(id), 0);
  mount_.Unmount();
}

// /proc/self/mountinfo escapes blanks as \040; finding the mount must undo that.
TEST_F(MountSmokeTest, MountPointWithABlank) {
  std::string spaced = dir_ + "/with blank";
  ASSERT_EQ(mkdir(spaced.c_str(), 0755), 0);
  FuseMountOptions options = Options();
  options.mount.mountpoint = spaced;
  std::string error;
  ASSERT_EQ(mount_.Mount(options, dispatcher_, &error), NtStatus::Success) << error;
  EXPECT_TRUE(IsFuseMounted(spaced));
  EXPECT_GE(mount_.connectionId(), 0);
  mount_.Unmount();
  EXPECT_FALSE(IsFuseMounted(spaced));
  rmdir(spaced.c_str());
}

TEST_F(MountSmokeTest, MissingMountPointFailsCleanly) {
  FuseMountOptions options = Options();
  options.mount.mountpoint = dir_ + "/does-not-exist";
  std::string error;
  EXPECT_NE(mount_.Mount(options, dispatcher_, &error), NtStatus::Success);
  EXPECT_NE(error.find("does-not-exist"), std::string::npos) << error;
  EXPECT_FALSE(mount_.mounted());
}

}  // namespace
}  // namespace irpfs::fuse
