#include <thread>

#include "memfs_fixture.h"

namespace irpfs::memfs::testing {
namespace {

using AttributesTest = MemfsTest;

void Tick() {
  FileTimeSpec start = Now();
  while (Now() == start) std::this_thread::yield();
}

NtStatus SetAttributes(MemFs& fs, const OperationContext& ctx, NodeRef node,
                       const FilePosixInfo& info) {
  return fs.SetFileInformation(ctx, node, nullptr, info);
}

TEST_F(AttributesTest, ChmodKeepsTheTypeAndChangesCtime) {
  NodeRef file = MakeFile(root(), "f");
  FileStat before = Stat(file);
  Tick();
  FilePosixInfo info;
  info.valid = posix_valid::kMode;
  info.mode = S_IFDIR | 0600;  // type bits in the request are ignored
  ASSERT_EQ(SetAttributes(*fs_, ctx_, file, info), NtStatus::Success);
  FileStat after = Stat(file);
  EXPECT_EQ(after.mode, static_cast<uint32_t>(S_IFREG | 0600));
  EXPECT_NE(after.ctime, before.ctime);
  EXPECT_EQ(after.mtime, before.mtime);
}

TEST_F(AttributesTest, ChownClearsSetIdBitsOfFilesOnly) {
  NodeRef file = MakeFile(root(), "f");
  NodeRef noGroupExec = MakeFile(root(), "g");
  NodeRef dir = MakeDir(root(), "d");
  FilePosixInfo chmod;
  chmod.valid = posix_valid::kMode;
  chmod.mode = 06755;
  ASSERT_EQ(SetAttributes(*fs_, ctx_, file, chmod), NtStatus::Success);
  ASSERT_EQ(SetAttributes(*fs_, ctx_, dir, chmod), NtStatus::Success);
  chmod.mode = 06745;  // set-group-ID without group execute: mandatory locking, kept
  ASSERT_EQ(SetAttributes(*fs_, ctx_, noGroupExec, chmod), NtStatus::Success);

  ctx_.requestor.uid = 0;  // even root's chown clears them
  FilePosixInfo chown;
  chown.valid = posix_valid::kUid | posix_valid::kGid;
  chown.uid = 7;
  chown.gid = 8;
  ASSERT_EQ(SetAttributes(*fs_, ctx_, file, chown), NtStatus::Success);
  ASSERT_EQ(SetAttributes(*fs_, ctx_, noGroupExec, chown), NtStatus::Success);
  ASSERT_EQ(SetAttributes(*fs_, ctx_, dir, chown), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 0755u);
  EXPECT_EQ(Stat(file).uid, 7u);
  EXPECT_EQ(Stat(file).gid, 8u);
  EXPECT_EQ(Stat(noGroupExec).mode & 07777, 02745u);
  EXPECT_EQ(Stat(dir).mode & 07777, 06755u);
}

TEST_F(AttributesTest, TruncateByNonRootClearsSetUid) {
  NodeRef file = MakeFile(root(), "f");
  FilePosixInfo chmod;
  chmod.valid = posix_valid::kMode;
  chmod.mode = 04755;
  ASSERT_EQ(SetAttributes(*fs_, ctx_, file, chmod), NtStatus::Success);
  ASSERT_EQ(Truncate(file, 100), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 0755u);
}

TEST_F(AttributesTest, ExplicitAndCurrentTimes) {
  NodeRef file = MakeFile(root(), "f");
  FilePosixInfo info;
  info.valid = posix_valid::kAtime | posix_valid::kMtime;
  info.atime = {1000, 1};
  info.mtime = {2000, 999999999};
  ASSERT_EQ(SetAttributes(*fs_, ctx_, file, info), NtStatus::Success);
  FileStat st = Stat(file);
  EXPECT_EQ(st.atime, (FileTimeSpec{1000, 1}));
  EXPECT_EQ(st.mtime, (FileTimeSpec{2000, 999999999}));
  EXPECT_GT(st.ctime.sec, 2000);  // ctime is "now"

  info.valid = posix_valid::kAtimeNow | posix_valid::kMtimeNow | posix_valid::kCtime;
  info.ctime = {3000, 3};
  ASSERT_EQ(SetAttributes(*fs_, ctx_, file, info), NtStatus::Success);
  st = Stat(file);
  EXPECT_GT(st.atime.sec, 1000);
  EXPECT_GT(st.mtime.sec, 2000);
  EXPECT_EQ(st.ctime, (FileTimeSpec{3000, 3}));
}

TEST_F(AttributesTest, BasicInformationSetsTimesAndAttributes) {
  NodeRef file = MakeFile(root(), "f");
  FileTimeSpec mtime = Stat(file).mtime;
  FileBasicInfo info;
  info.creationTime = {100, 5};
  info.attributes = file_attribute::kHidden | file_attribute::kReadonly;
  ASSERT_EQ(fs_->SetBasicInformation(ctx_, file, info), NtStatus::Success);
  FileStat st = Stat(file);
  EXPECT_EQ(st.btime, (FileTimeSpec{100, 5}));
  EXPECT_EQ(st.mtime, mtime);  // zero means "leave as is"
  EXPECT_EQ(st.attributes, file_attribute::kHidden | file_attribute::kReadonly);
  info = {};
  info.attributes = file_attribute::kNormal;  // clears
  ASSERT_EQ(fs_->SetBasicInformation(ctx_, file, info), NtStatus::Success);
  EXPECT_EQ(Stat(file).attributes, file_attribute::kNormal);
  EXPECT_EQ(Stat(root()).attributes & file_attribute::kDirectory, file_attribute::kDirectory);
}

TEST_F(AttributesTest, EntryChangesTouchTheDirectory) {
  NodeRef dir = MakeDir(root(), "d");
  FileStat before = Stat(dir);
  Tick();
  NodeRef file = MakeFile(dir, "f");
  FileStat afterCreate = Stat(dir);
  EXPECT_NE(afterCreate.mtime, before.mtime);
  EXPECT_EQ(afterCreate.ctime, afterCreate.mtime);
  Tick();
  ASSERT_EQ(fs_->Link(ctx_, file, dir, "g"), NtStatus::Success);
  FileStat afterLink = Stat(dir);
  EXPECT_NE(afterLink.mtime, afterCreate.mtime);
  Tick();
  ASSERT_EQ(fs_->Remove(ctx_, dir, "g"), NtStatus::Success);
  FileStat afterRemove = Stat(dir);
  EXPECT_NE(afterRemove.mtime, afterLink.mtime);
  Tick();
  FileTimeSpec fileCtime = Stat(file).ctime;
  ASSERT_EQ(fs_->Remove(ctx_, dir, "f"), NtStatus::Success);
  EXPECT_NE(Stat(file).ctime, fileCtime);  // lost a link
  // Reads and stats touch nothing.
  FileStat quiet = Stat(dir);
  Names(dir);
  EXPECT_EQ(Stat(dir).mtime, quiet.mtime);
  EXPECT_EQ(Stat(dir).atime, quiet.atime);
}

}  // namespace
}  // namespace irpfs::memfs::testing
