// `irpfs mount` argument parsing (no mount), and the real command end to end (root and
// /dev/fuse required, else skipped): daemon readiness, unmount, signals, failures that
// must leave nothing mounted.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tools/mount_plan.h"
#include "tools/runtime_files.h"
#include "transport/fuse/mount.h"

namespace irpfs::tools {
namespace {

bool Parse(std::vector<std::string> args, MountPlan* plan, std::string* error) {
  args.insert(args.begin(), "mount");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  bool help = false;
  return ParseMountCommand(static_cast<int>(argv.size()), argv.data(), plan, error, &help);
}

TEST(MountCommandParseTest, DriverMountPointAndOptions) {
  MountPlan plan;
  std::string error;
  ASSERT_TRUE(Parse({"memfs", "/tmp", "-o", "allow_other,attr_timeout=2.5", "-o",
                     "capacity=64M,entry_timeout=0,fsname=x,ro", "--threads", "3", "--foreground",
                     "--filter", "trace:format=json"},
                    &plan, &error))
      << error;
  EXPECT_EQ(plan.driver->name, "memfs");
  EXPECT_EQ(plan.fuse.mount.mountpoint, "/tmp");
  EXPECT_TRUE(plan.fuse.mount.allowOther);
  EXPECT_TRUE(plan.fuse.mount.readOnly);
  EXPECT_EQ(plan.fuse.mount.fsname, "x");
  EXPECT_EQ(plan.fuse.mount.subtype, "irpfs");  // fstype fuse.irpfs: `findmnt -t fuse.irpfs`
  EXPECT_DOUBLE_EQ(plan.dispatcher.attrTimeout, 2.5);
  EXPECT_DOUBLE_EQ(plan.dispatcher.entryTimeout, 0);
  EXPECT_EQ(plan.fuse.channel.threads, 3u);
  EXPECT_TRUE(plan.foreground);
  EXPECT_EQ(plan.driverRequest.options, std::vector<std::string>{"capacity=64M"});
  ASSERT_EQ(plan.filters.size(), 1u);
  EXPECT_EQ(plan.filters[0].filter->name, "trace");
  EXPECT_EQ(plan.filters[0].options, "format=json");
}

TEST(MountCommandParseTest, SyncReadTurnsAsyncReadOff) {
  MountPlan plan;
  std::string error;
  EXPECT_TRUE(plan.fuse.channel.asyncRead) << "async reads are the default";
  ASSERT_TRUE(Parse({"memfs", "/tmp", "-o", "sync_read"}, &plan, &error)) << error;
  EXPECT_FALSE(plan.fuse.channel.asyncRead);
  EXPECT_FALSE(ApplyMountOption("sync_read=1", &plan, &error));
  EXPECT_NE(error.find("takes no value"), std::string::npos) << error;
}

// memfs and the mirror drop set-ID bits themselves, so they ask for
// FUSE_HANDLE_KILLPRIV_V2 unless told not to.
TEST(MountCommandParseTest, KillprivV2IsOnForTheShippedDriversUnlessTurnedOff) {
  for (std::string driver : {"memfs", "mirror"}) {
    std::vector<std::string> args{driver, "/tmp"};
    if (driver == "mirror") args.insert(args.begin() + 1, "/usr");
    MountPlan plan;
    std::string error;
    EXPECT_FALSE(plan.fuse.channel.handleKillprivV2) << "the channel's own default is off";
    ASSERT_TRUE(Parse(args, &plan, &error)) << error;
    EXPECT_TRUE(plan.fuse.channel.handleKillprivV2) << driver;
    args.insert(args.end(), {"-o", "nokillpriv_v2"});
    MountPlan off;
    ASSERT_TRUE(Parse(args, &off, &error)) << error;
    EXPECT_FALSE(off.fuse.channel.handleKillprivV2) << driver;
  }
}

TEST(MountCommandParseTest, MirrorOptionsGoToTheDriver) {
  MountPlan plan;
  std::string error;
  ASSERT_TRUE(
      Parse({"mirror", "/usr", "/tmp", "-o", "label=Usr,dir_readahead=off,ro"}, &plan, &error))
      << error;
  EXPECT_EQ(plan.driverRequest.options,
            (std::vector<std::string>{"label=Usr", "dir_readahead=off"}));
  EXPECT_FALSE(Parse({"mirror", "/usr", "/tmp", "-o", "dir_readahead=maybe"}, &plan, &error));
  EXPECT_NE(error.find("dir_readahead=maybe"), std::string::npos) << error;
}

TEST(MountCommandParseTest, DirectoryCacheIsOnUnlessTurnedOff) {
  MountPlan plan;
  std::string error;
  ASSERT_TRUE(Parse({"memfs", "/tmp"}, &plan, &error)) << error;
  EXPECT_TRUE(plan.dispatcher.cacheDirectories);
  MountPlan off;
  ASSERT_TRUE(Parse({"memfs", "/tmp", "-o", "dir_cache=off"}, &off, &error)) << error;
  EXPECT_FALSE(off.dispatcher.cacheDirectories);
  EXPECT_FALSE(Parse({"memfs", "/tmp", "-o", "dir_cache=sometimes"}, &off, &error));
  EXPECT_NE(error.find("dir_cache=sometimes"), std::string::npos) << error;
}

// memfs changes only through its mount: the kernel keeps its page cache across opens and
// remembers missing names as long as names; the mirror's host directory can change under
// it, so there both stay off unless asked for.
TEST(MountCommandParseTest, KernelCachesFollowWhetherTheDriverIsChangedOnlyThroughTheMount) {
  std::string error;
  MountPlan memfs;
  ASSERT_TRUE(Parse({"memfs", "/tmp", "-o", "entry_timeout=2.5"}, &memfs, &error)) << error;
  EXPECT_TRUE(memfs.dispatcher.keepCache);
  EXPECT_DOUBLE_EQ(memfs.dispatcher.negativeTimeout, 2.5);
  MountPlan mirror;
  ASSERT_TRUE(Parse({"mirror", "/usr", "/tmp"}, &mirror, &error)) << error;
  EXPECT_FALSE(mirror.dispatcher.keepCache);
  EXPECT_TRUE(mirror.dispatcher.autoCache);
  EXPECT_DOUBLE_EQ(mirror.dispatcher.negativeTimeout, 0);
  MountPlan mirrorNoAuto;
  ASSERT_TRUE(Parse({"mirror", "/usr", "/tmp", "-o", "noauto_cache"}, &mirrorNoAuto, &error))
      << error;
  EXPECT_FALSE(mirrorNoAuto.dispatcher.autoCache);

  MountPlan memfsOff;
  ASSERT_TRUE(Parse({"memfs", "/tmp", "-o", "nokeep_cache,negative_timeout=0"}, &memfsOff, &error))
      << error;
  EXPECT_FALSE(memfsOff.dispatcher.keepCache);
  EXPECT_DOUBLE_EQ(memfsOff.dispatcher.negativeTimeout, 0);
  MountPlan mirrorOn;
  ASSERT_TRUE(
      Parse({"mirror", "/usr", "/tmp", "-o", "keep_cache,negative_timeout=0.5"}, &mirrorOn, &error))
      << error;
  EXPECT_TRUE(mirrorOn.dispatcher.keepCache);
  EXPECT_DOUBLE_EQ(mirrorOn.dispatcher.negativeTimeout, 0.5);
  EXPECT_FALSE(Parse({"memfs", "/tmp", "-o", "negative_timeout=-1"}, &memfsOff, &error));
  EXPECT_FALSE(Parse({"memfs", "/tmp", "-o", "nokeep_cache=1"}, &memfsOff, &error));
}

TEST(MountCommandParseTest, ExtendedAttributesAreOnUnlessTurnedOff) {
  std::string error;
  MountPlan plan;
  ASSERT_TRUE(Parse({"mirror", "/usr", "/tmp"}, &plan, &error)) << error;
  EXPECT_TRUE(plan.dispatcher.extendedAttributes);
  MountPlan off;
  ASSERT_TRUE(Parse({"memfs", "/tmp", "-o", "noxattr"}, &off, &error)) << error;
  EXPECT_FALSE(off.dispatcher.extendedAttributes);
  MountPlan offThenOn;
  ASSERT_TRUE(Parse({"memfs", "/tmp", "-o", "xattr=off,xattr"}, &offThenOn, &error)) << error;
  EXPECT_TRUE(offThenOn.dispatcher.extendedAttributes);
  EXPECT_FALSE(Parse({"memfs", "/tmp", "-o", "noxattr=1"}, &off, &error));
  EXPECT_FALSE(Parse({"memfs", "/tmp", "-o", "xattr=maybe"}, &off, &error));
}

TEST(MountCommandParseTest, RelativeMountPointBecomesAbsolute) {
  MountPlan plan;
  std::string error;
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_TRUE(Parse({"memfs", "."}, &plan, &error)) << error;
  EXPECT_EQ(plan.fuse.mount.mountpoint, std::string(cwd));
}

struct BadCase {
  std::vector<std::string> args;
  std::string expected;  // part of the one-line message
};

TEST(MountCommandParseTest, MistakesAreOneClearLine) {
  const BadCase cases[] = {
      {{"nosuchdriver", "/tmp"}, "unknown driver 'nosuchdriver'"},
      {{"memfs", "/tmp", "-o", "frobnicate"}, "frobnicate"},
      {{"memfs", "/tmp", "-o", "capacity=lots"}, "capacity=lots"},
      {{"memfs", "/tmp", "-o", "attr_timeout=-1"}, "attr_timeout=-1"},
      {{"memfs", "/tmp", "-o", "allow_other=1"}, "takes no value"},
      {{"memfs", "/tmp", "--filter", "nosuchfilter"}, "unknown filter 'nosuchfilter'"},
      {{"memfs", "/tmp", "--filter", "trace:format=yaml"}, "trace"},
      {{"memfs", "extra", "/tmp"}, "takes 0 argument"},
      {{"memfs"}, "usage"},
      {{"memfs", "/tmp", "--threads", "0"}, "--threads"},
      {{"memfs", "/tmp", "--no-such-flag"}, "--no-such-flag"},
  };
  for (const BadCase& c : cases) {
    MountPlan plan;
    std::string error;
    EXPECT_FALSE(Parse(c.args, &plan, &error)) << c.args.front();
    EXPECT_NE(error.find(c.expected), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

// ---- The real command.

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

Result RunIrpfs(const std::vector<std::string>& args, bool wait = true, pid_t* childPid = nullptr) {
  char outPath[] = "/tmp/irpfs-cmd-out-XXXXXX";
  char errPath[] = "/tmp/irpfs-cmd-err-XXXXXX";
  int out = mkstemp(outPath);
  int err = mkstemp(errPath);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(IRPFS_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(IRPFS_BINARY, argv.data());
    _exit(127);
  }
  Result result;
  if (childPid != nullptr) *childPid = pid;
  if (wait) {
    int status = 0;
    waitpid(pid, &status, 0);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  close(out);
  close(err);
  std::ifstream o(outPath), e(errPath);
  result.out.assign(std::istreambuf_iterator<char>(o), {});
  result.err.assign(std::istreambuf_iterator<char>(e), {});
  unlink(outPath);
  unlink(errPath);
  return result;
}

class MountCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || ::access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root and /dev/fuse";
    }
    char pattern[] = "/tmp/irpfs-cmd-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    if (fuse::IsFuseMounted(dir_)) {
      std::string ignored;
      fuse::UnmountFuse(dir_, false, &ignored);
    }
    rmdir(dir_.c_str());
    unlink(RuntimeFilesFor(dir_).logPath.c_str());
  }
  bool WaitGone(pid_t pid) {
    for (int i = 0; i < 250; ++i) {
      if (!ProcessRunning(pid)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  std::string dir_;
};

TEST_F(MountCommandTest, DaemonMountsAndUnmounts) {
  Result mounted = RunIrpfs({"mount", "memfs", dir_, "-o", "capacity=16M"});
  ASSERT_EQ(mounted.status, 0) << mounted.err;
  EXPECT_NE(mounted.out.find("mounted memfs on " + dir_), std::string::npos) << mounted.out;
  // Returning 0 means live: no waiting needed.
  ASSERT_TRUE(fuse::IsFuseMounted(dir_));
  pid_t daemon = ReadDaemonPid(dir_);
  ASSERT_GT(daemon, 0);
  {
    std::ofstream file(dir_ + "/file");
    file << "through the kernel";
  }
  std::ifstream in(dir_ + "/file");
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "through the kernel");
  in.close();

  // Big writes and reads: 1 MiB requests (max_write, max_pages 256) through memfs.
  std::string big(3 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  int fd = open((dir_ + "/big").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(write(fd, big.data(), big.size()), static_cast<ssize_t>(big.size()));
  close(fd);
  std::string back(big.size(), '\0');
  fd = open((dir_ + "/big").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  size_t got = 0;
  while (got < back.size()) {
    ssize_t n = read(fd, back.data() + got, back.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  EXPECT_EQ(got, big.size());
  EXPECT_TRUE(back == big);

  Result unmounted = RunIrpfs({"unmount", dir_});
  EXPECT_EQ(unmounted.status, 0) << unmounted.err;
  EXPECT_FALSE(fuse::IsFuseMounted(dir_));
  EXPECT_TRUE(WaitGone(daemon));
  struct stat st;
  EXPECT_NE(stat(RuntimeFilesFor(dir_).pidPath.c_str(), &st), 0);
}

TEST_F(MountCommandTest, SigtermUnmountsTheDaemon) {
  ASSERT_EQ(RunIrpfs({"mount", "memfs", dir_}).status, 0);
  pid_t daemon = ReadDaemonPid(dir_);
  ASSERT_GT(daemon, 0);
  ASSERT_EQ(kill(daemon, SIGTERM), 0);
  EXPECT_TRUE(WaitGone(daemon));
  EXPECT_FALSE(fuse::IsFuseMounted(dir_));
}

TEST_F(MountCommandTest, ForegroundUntilSigint) {
  pid_t pid = -1;
  RunIrpfs({"mount", "memfs", dir_, "--foreground", "--threads", "2"}, false, &pid);
  bool live = false;
  for (int i = 0; i < 250 && !live; ++i) {
    live = fuse::IsFuseMounted(dir_);
    if (!live) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(live);
  EXPECT_EQ(mkdir((dir_ + "/d").c_str(), 0755), 0);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(fuse::IsFuseMounted(dir_));
}

TEST_F(MountCommandTest, FailuresLeaveNothingMounted) {
  std::string file = dir_ + "/plainfile";
  { std::ofstream(file) << "x"; }
  const BadCase cases[] = {
      {{"mount", "memfs", dir_ + "/missing"}, "missing"},
      {{"mount", "memfs", file}, "not a directory"},
      {{"mount", "nosuchdriver", dir_}, "unknown driver"},
      {{"mount", "memfs", dir_, "-o", "bogus"}, "bogus"},
      {{"mount", "memfs", dir_, "--filter", "nosuch"}, "unknown filter"},
      {{"unmount", dir_}, "not a FUSE mount"},
  };
  for (const BadCase& c : cases) {
    Result r = RunIrpfs(c.args);
    EXPECT_NE(r.status, 0) << c.args[1];
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fuse::IsFuseMounted(dir_));
  }
  unlink(file.c_str());
}

}  // namespace
}  // namespace irpfs::tools
