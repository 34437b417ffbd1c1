#include <thread>

#include "memfs_fixture.h"

namespace irpfs::memfs::testing {
namespace {

using MoveTest = MemfsTest;
constexpr uint32_t kReplace = rename_flag::kReplaceIfExists;
constexpr uint32_t kExchange = rename_flag::kExchange;

void Tick() {
  FileTimeSpec start = Now();
  while (Now() == start) std::this_thread::yield();
}

TEST_F(MoveTest, RenameWithinADirectory) {
  NodeRef file = MakeFile(root(), "old");
  ASSERT_EQ(fs_->Move(ctx_, root(), "old", root(), "new", 0), NtStatus::Success);
  EXPECT_EQ(LookupStatus(root(), "old"), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(Lookup(root(), "new").context, file.context);
  EXPECT_EQ(Names(root()), std::vector<std::string>{"new"});
}

TEST_F(MoveTest, RenameBetweenDirectoriesUpdatesParentsAndTimes) {
  NodeRef a = MakeDir(root(), "a");
  NodeRef b = MakeDir(root(), "b");
  NodeRef sub = MakeDir(a, "sub");
  NodeRef file = MakeFile(a, "f");
  FileStat aBefore = Stat(a), bBefore = Stat(b), fileBefore = Stat(file);
  Tick();
  ASSERT_EQ(fs_->Move(ctx_, a, "sub", b, "sub2", 0), NtStatus::Success);
  ASSERT_EQ(fs_->Move(ctx_, a, "f", b, "f", 0), NtStatus::Success);
  EXPECT_EQ(Stat(a).nlink, 2u);
  EXPECT_EQ(Stat(b).nlink, 3u);
  EXPECT_EQ(Lookup(sub, "..").fileId, b.fileId);
  FileStat aAfter = Stat(a), bAfter = Stat(b), fileAfter = Stat(file);
  EXPECT_NE(aAfter.mtime, aBefore.mtime);
  EXPECT_NE(aAfter.ctime, aBefore.ctime);
  EXPECT_NE(bAfter.mtime, bBefore.mtime);
  EXPECT_NE(fileAfter.ctime, fileBefore.ctime);
  EXPECT_EQ(fileAfter.mtime, fileBefore.mtime);
  EXPECT_TRUE(Names(a).empty());
}

TEST_F(MoveTest, ExistingTargetNeedsReplace) {
  MakeFile(root(), "src");
  NodeRef target = MakeFile(root(), "dst");
  EXPECT_EQ(fs_->Move(ctx_, root(), "src", root(), "dst", 0), NtStatus::ObjectNameCollision);
  ASSERT_EQ(fs_->Move(ctx_, root(), "src", root(), "dst", kReplace), NtStatus::Success);
  EXPECT_EQ(Stat(target).nlink, 0u);  // the replaced file lost its name
  EXPECT_EQ(Names(root()), std::vector<std::string>{"dst"});
}

TEST_F(MoveTest, ReplacedFileReturnsItsSpaceWhenUnreferenced) {
  uint64_t inodesBefore = fs_->capacity().usedInodes();
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFREG | 0600;
  NodeRef src, dst;
  ASSERT_EQ(fs_->Create(ctx_, root(), "src", spec, &src), NtStatus::Success);
  ASSERT_EQ(fs_->Create(ctx_, root(), "dst", spec, &dst), NtStatus::Success);
  fs_->Forget(dst);
  EXPECT_EQ(fs_->capacity().usedInodes(), inodesBefore + 2);
  ASSERT_EQ(fs_->Move(ctx_, root(), "src", root(), "dst", kReplace), NtStatus::Success);
  EXPECT_EQ(fs_->capacity().usedInodes(), inodesBefore + 1);
  fs_->Forget(src);
}

TEST_F(MoveTest, TypeMismatchesFail) {
  MakeDir(root(), "dir");
  MakeFile(root(), "file");
  EXPECT_EQ(fs_->Move(ctx_, root(), "dir", root(), "file", kReplace), NtStatus::NotADirectory);
  EXPECT_EQ(fs_->Move(ctx_, root(), "file", root(), "dir", kReplace), NtStatus::FileIsADirectory);
}

TEST_F(MoveTest, DirectoryOverDirectory) {
  NodeRef src = MakeDir(root(), "src");
  NodeRef full = MakeDir(root(), "full");
  MakeFile(full, "x");
  NodeRef empty = MakeDir(root(), "empty");
  EXPECT_EQ(Stat(root()).nlink, 5u);
  EXPECT_EQ(fs_->Move(ctx_, root(), "src", root(), "full", kReplace), NtStatus::DirectoryNotEmpty);
  ASSERT_EQ(fs_->Move(ctx_, root(), "src", root(), "empty", kReplace), NtStatus::Success);
  EXPECT_EQ(Lookup(root(), "empty").context, src.context);
  EXPECT_EQ(Stat(empty).nlink, 0u);
  EXPECT_EQ(Stat(root()).nlink, 4u);
  // The replaced directory accepts nothing any more.
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFREG | 0600;
  NodeRef out;
  EXPECT_EQ(fs_->Create(ctx_, empty, "late", spec, &out), NtStatus::ObjectNameNotFound);
}

TEST_F(MoveTest, DirectoryOverEmptyDirectoryElsewhere) {
  NodeRef a = MakeDir(root(), "a");
  NodeRef b = MakeDir(root(), "b");
  NodeRef moved = MakeDir(a, "m");
  MakeDir(b, "m");
  ASSERT_EQ(fs_->Move(ctx_, a, "m", b, "m", kReplace), NtStatus::Success);
  EXPECT_EQ(Stat(a).nlink, 2u);
  EXPECT_EQ(Stat(b).nlink, 3u);
  EXPECT_EQ(Lookup(b, "m").context, moved.context);
}

TEST_F(MoveTest, ReplacingAnAncestorOfTheSourceIsNotEmpty) {
  // rename(/d/sub/x, /d) with replace: "d" holds the source, so it is not empty.
  NodeRef d = MakeDir(root(), "d");
  NodeRef sub = MakeDir(d, "sub");
  MakeDir(sub, "x");
  EXPECT_EQ(fs_->Move(ctx_, sub, "x", root(), "d", kReplace), NtStatus::DirectoryNotEmpty);
  EXPECT_EQ(fs_->Move(ctx_, d, "sub", root(), "d", kReplace), NtStatus::DirectoryNotEmpty);
}

TEST_F(MoveTest, DirectoryIntoItsOwnDescendantIsInvalid) {
  NodeRef a = MakeDir(root(), "a");
  NodeRef b = MakeDir(a, "b");
  NodeRef c = MakeDir(b, "c");
  EXPECT_EQ(fs_->Move(ctx_, root(), "a", c, "a", 0), NtStatus::InvalidParameter);
  EXPECT_EQ(fs_->Move(ctx_, root(), "a", a, "a", 0), NtStatus::InvalidParameter);
  EXPECT_EQ(fs_->Move(ctx_, a, "b", b, "x", 0), NtStatus::InvalidParameter);
  // Exchange in either direction, too.
  EXPECT_EQ(fs_->Move(ctx_, root(), "a", b, "c", kExchange), NtStatus::InvalidParameter);
  EXPECT_EQ(fs_->Move(ctx_, b, "c", root(), "a", kExchange), NtStatus::InvalidParameter);
  EXPECT_EQ(Lookup(b, "c").context, c.context);
}

TEST_F(MoveTest, RenameToItselfIsANoOp) {
  NodeRef file = MakeFile(root(), "f");
  FileTimeSpec ctime = Stat(file).ctime;
  Tick();
  EXPECT_EQ(fs_->Move(ctx_, root(), "f", root(), "f", 0), NtStatus::Success);
  EXPECT_EQ(fs_->Move(ctx_, root(), "f", root(), "f", kExchange), NtStatus::Success);
  // Two names of one file: nothing happens either, both names stay.
  ASSERT_EQ(fs_->Link(ctx_, file, root(), "g"), NtStatus::Success);
  ctime = Stat(file).ctime;
  Tick();
  EXPECT_EQ(fs_->Move(ctx_, root(), "f", root(), "g", kReplace), NtStatus::Success);
  EXPECT_EQ(Stat(file).nlink, 2u);
  EXPECT_EQ(Stat(file).ctime, ctime);
  EXPECT_EQ(Names(root()), (std::vector<std::string>{"f", "g"}));
}

TEST_F(MoveTest, MissingSourceIsNotFound) {
  EXPECT_EQ(fs_->Move(ctx_, root(), "ghost", root(), "x", 0), NtStatus::ObjectNameNotFound);
}

TEST_F(MoveTest, ExchangeSwapsTwoNames) {
  NodeRef dir = MakeDir(root(), "d");
  NodeRef file = MakeFile(root(), "f");
  NodeRef inner = MakeFile(dir, "inner");
  ASSERT_EQ(Write(file, "outer data", 0), NtStatus::Success);
  ASSERT_EQ(fs_->Move(ctx_, root(), "f", dir, "inner", kExchange), NtStatus::Success);
  EXPECT_EQ(Lookup(dir, "inner").context, file.context);
  EXPECT_EQ(Lookup(root(), "f").context, inner.context);

  // A directory and a file across directories: the subdirectory counts move with it.
  NodeRef other = MakeDir(root(), "other");
  NodeRef sub = MakeDir(other, "sub");
  EXPECT_EQ(Stat(other).nlink, 3u);
  ASSERT_EQ(fs_->Move(ctx_, other, "sub", dir, "inner", kExchange), NtStatus::Success);
  EXPECT_EQ(Stat(other).nlink, 2u);
  EXPECT_EQ(Stat(dir).nlink, 3u);
  EXPECT_EQ(Lookup(sub, "..").fileId, dir.fileId);
  EXPECT_EQ(Lookup(other, "sub").context, file.context);

  EXPECT_EQ(fs_->Move(ctx_, root(), "f", root(), "absent", kExchange),
            NtStatus::ObjectNameNotFound);
}

TEST_F(MoveTest, OpenNodeSurvivesBeingReplaced) {
  NodeRef victim = MakeFile(root(), "victim");
  ASSERT_EQ(Write(victim, "still here", 0), NtStatus::Success);
  MakeFile(root(), "src");
  ASSERT_EQ(fs_->Move(ctx_, root(), "src", root(), "victim", kReplace), NtStatus::Success);
  EXPECT_EQ(Read(victim, 0, 100), "still here");
}

}  // namespace
}  // namespace irpfs::memfs::testing
