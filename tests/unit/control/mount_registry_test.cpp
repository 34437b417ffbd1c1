#include "control/mount_registry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "control/process_identity.h"
#include "control_test_util.h"

namespace irpfs::control {
namespace {

using testing::TempDir;

MountRecord Record(const std::string& mountPoint, const std::string& driver) {
  MountRecord record;
  record.mountPoint = mountPoint;
  record.driver = driver;
  record.filters = {"trace", "readonly"};
  record.socketPath = "/run/irpfs/" + driver + ".sock";
  record.uid = 1000;
  return record;
}

// A pid that surely does not run: a child that has exited and been reaped.
pid_t DeadPid() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

TEST(MountRegistryTest, AddListFindAndRemoveOnDestruction) {
  TempDir dir;
  MountRegistry registry(dir.path() + "/irpfs");
  std::string error;
  {
    MountRegistration first, second;
    ASSERT_EQ(registry.Add(Record("/mnt/b", "mirror"), &first, &error), NtStatus::Success) << error;
    ASSERT_EQ(registry.Add(Record("/mnt/a/", "memfs"), &second, &error), NtStatus::Success);

    std::vector<MountRecord> mounts = registry.List();
    ASSERT_EQ(mounts.size(), 2u);
    EXPECT_EQ(mounts[0].mountPoint, "/mnt/a");  // sorted, trailing slash gone
    EXPECT_EQ(mounts[0].driver, "memfs");
    EXPECT_EQ(mounts[1].mountPoint, "/mnt/b");
    EXPECT_EQ(mounts[1].filters, (std::vector<std::string>{"trace", "readonly"}));
    EXPECT_EQ(mounts[1].socketPath, "/run/irpfs/mirror.sock");
    EXPECT_EQ(mounts[1].pid, getpid());
    EXPECT_EQ(mounts[1].uid, 1000u);
    EXPECT_EQ(mounts[1].pidStartTicks, ProcessStartTicks(getpid()));
    EXPECT_GT(mounts[1].mountedAt, 0);

    auto found = registry.Find("/mnt/b/");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->driver, "mirror");
    EXPECT_FALSE(registry.Find("/mnt/c").has_value());

    struct stat st {};
    ASSERT_EQ(stat(registry.RecordPathFor("/mnt/a").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    ASSERT_EQ(stat(registry.directory().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
  }
  EXPECT_TRUE(registry.List().empty());
  EXPECT_FALSE(Exists(registry.RecordPathFor("/mnt/a")));
}

TEST(MountRegistryTest, StaleRecordsAreIgnoredAndCleanedUp) {
  TempDir dir;
  MountRegistry registry(dir.path());
  std::string error;
  MountRecord dead = Record("/mnt/dead", "memfs");
  dead.pid = DeadPid();
  ASSERT_EQ(registry.Add(dead, nullptr, &error), NtStatus::Success) << error;
  // Our own pid, but a start time that is not ours: a reused pid.
  MountRecord reused = Record("/mnt/reused", "memfs");
  reused.pid = getpid();
  reused.pidStartTicks = ProcessStartTicks(getpid()) + 12345;
  ASSERT_EQ(registry.Add(reused, nullptr, &error), NtStatus::Success);
  MountRegistration live;
  ASSERT_EQ(registry.Add(Record("/mnt/live", "memfs"), &live, &error), NtStatus::Success);
  ASSERT_TRUE(Exists(registry.RecordPathFor("/mnt/dead")));

  EXPECT_FALSE(registry.Find("/mnt/reused").has_value());
  std::vector<MountRecord> mounts = registry.List();
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].mountPoint, "/mnt/live");
  EXPECT_FALSE(Exists(registry.RecordPathFor("/mnt/dead")));
  EXPECT_FALSE(Exists(registry.RecordPathFor("/mnt/reused")));
}

TEST(MountRegistryTest, ForeignFilesAreLeftAlone) {
  TempDir dir;
  MountRegistry registry(dir.path());
  std::string junk = dir.path() + "/junk.mount.json";
  std::ofstream(junk) << "{not a record";
  std::ofstream(dir.path() + "/notes.txt") << "hello";
  EXPECT_TRUE(registry.List().empty());
  EXPECT_TRUE(Exists(junk));
}

TEST(MountRegistryTest, RegistrationDoesNotRemoveAnotherProcesssRecord) {
  TempDir dir;
  MountRegistry registry(dir.path());
  std::string error;
  MountRegistration ours;
  ASSERT_EQ(registry.Add(Record("/mnt/m", "memfs"), &ours, &error), NtStatus::Success);
  // Another process took the mount point over (here: a record naming pid 1).
  MountRecord theirs = Record("/mnt/m", "mirror");
  theirs.pid = 1;
  ASSERT_EQ(registry.Add(theirs, nullptr, &error), NtStatus::Success);
  MountRegistration moved = std::move(ours);
  moved.Reset();
  EXPECT_TRUE(Exists(registry.RecordPathFor("/mnt/m")));
}

TEST(MountRegistryTest, RecordJsonRoundTrip) {
  MountRecord record = Record("/mnt/x", "memfs");
  record.pid = 77;
  record.pidStartTicks = 99;
  record.mountedAt = 1700000000;
  MountRecord back;
  std::string error;
  ASSERT_TRUE(DecodeMountRecord(EncodeMountRecord(record), &back, &error)) << error;
  EXPECT_EQ(back.mountPoint, "/mnt/x");
  EXPECT_EQ(back.filters, record.filters);
  EXPECT_EQ(back.pid, 77);
  EXPECT_EQ(back.pidStartTicks, 99u);
  EXPECT_EQ(back.mountedAt, 1700000000);
  EXPECT_FALSE(DecodeMountRecord(Json{{"mount_point", 3}}, &back, &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace irpfs::control
