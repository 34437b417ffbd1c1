#include <sys/sysmacros.h>

#include <algorithm>

#include "memfs_fixture.h"

namespace irpfs::memfs::testing {
namespace {

using NamesTest = MemfsTest;

TEST_F(NamesTest, CreateThenLookupFindsTheSameNode) {
  NodeRef file = MakeFile(root(), "a.txt");
  NodeRef found = Lookup(root(), "a.txt");
  EXPECT_EQ(found.fileId, file.fileId);
  EXPECT_EQ(found.context, file.context);
  EXPECT_NE(file.fileId, kRootId);
  FileStat st = Stat(file);
  EXPECT_TRUE(S_ISREG(st.mode));
  EXPECT_EQ(st.mode & 07777, 0644u);
  EXPECT_EQ(st.nlink, 1u);
  EXPECT_EQ(st.uid, 1000u);
  EXPECT_EQ(st.size, 0u);
}

TEST_F(NamesTest, CreateExistingNameCollides) {
  MakeFile(root(), "x");
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFREG | 0600;
  NodeRef out;
  EXPECT_EQ(fs_->Create(ctx_, root(), "x", spec, &out), NtStatus::ObjectNameCollision);
}

TEST_F(NamesTest, MissingNameIsNotFound) {
  EXPECT_EQ(LookupStatus(root(), "nope"), NtStatus::ObjectNameNotFound);
}

TEST_F(NamesTest, BadNamesAreRejected) {
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFREG | 0600;
  NodeRef out;
  EXPECT_EQ(fs_->Create(ctx_, root(), "", spec, &out), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(fs_->Create(ctx_, root(), "a/b", spec, &out), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(fs_->Create(ctx_, root(), "..", spec, &out), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(fs_->Create(ctx_, root(), std::string(256, 'n'), spec, &out), NtStatus::NameTooLong);
  EXPECT_EQ(fs_->Create(ctx_, root(), std::string(255, 'n'), spec, &out), NtStatus::Success);
  fs_->Forget(out);
}

TEST_F(NamesTest, CreateInAFileIsNotADirectory) {
  NodeRef file = MakeFile(root(), "f");
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFREG | 0600;
  NodeRef out;
  EXPECT_EQ(fs_->Create(ctx_, file, "x", spec, &out), NtStatus::NotADirectory);
  EXPECT_EQ(fs_->Lookup(ctx_, file, "x", &out), NtStatus::NotADirectory);
}

TEST_F(NamesTest, DirectoriesCountSubdirectoriesInNlink) {
  EXPECT_EQ(Stat(root()).nlink, 2u);
  NodeRef dir = MakeDir(root(), "d");
  EXPECT_TRUE(S_ISDIR(Stat(dir).mode));
  EXPECT_EQ(Stat(dir).nlink, 2u);
  EXPECT_EQ(Stat(root()).nlink, 3u);
  MakeFile(dir, "file");
  MakeDir(dir, "sub");
  EXPECT_EQ(Stat(dir).nlink, 3u);
  EXPECT_EQ(Stat(root()).nlink, 3u);
}

TEST_F(NamesTest, DotAndDotDotResolve) {
  NodeRef dir = MakeDir(root(), "d");
  NodeRef sub = MakeDir(dir, "s");
  EXPECT_EQ(Lookup(sub, "..").fileId, dir.fileId);
  EXPECT_EQ(Lookup(sub, ".").fileId, sub.fileId);
  EXPECT_EQ(Lookup(root(), "..").fileId, kRootId);
}

TEST_F(NamesTest, SymlinkReadsBackItsTarget) {
  NodeRef link = Make(root(), "l", S_IFLNK | 0777, "some/where/else");
  FileStat st = Stat(link);
  EXPECT_TRUE(S_ISLNK(st.mode));
  EXPECT_EQ(st.size, 15u);
  char buffer[64];
  uint32_t length = 0;
  ASSERT_EQ(fs_->ReadLink(ctx_, link, buffer, sizeof buffer, &length), NtStatus::Success);
  EXPECT_EQ(std::string_view(buffer, length), "some/where/else");
  // A short buffer gets the start and the full length.
  ASSERT_EQ(fs_->ReadLink(ctx_, link, nullptr, 0, &length), NtStatus::BufferOverflow);
  EXPECT_EQ(length, 15u);
  ASSERT_EQ(fs_->ReadLink(ctx_, link, buffer, 4, &length), NtStatus::BufferOverflow);
  EXPECT_EQ(length, 15u);
  EXPECT_EQ(std::string_view(buffer, 4), "some");
  // readlink on a file is EINVAL.
  NodeRef file = MakeFile(root(), "f");
  EXPECT_EQ(fs_->ReadLink(ctx_, file, buffer, sizeof buffer, &length), NtStatus::NotAReparsePoint);
}

TEST_F(NamesTest, EmptySymlinkTargetIsRejected) {
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFLNK | 0777;
  NodeRef out;
  EXPECT_EQ(fs_->Create(ctx_, root(), "l", spec, &out), NtStatus::ObjectNameNotFound);
}

TEST_F(NamesTest, MknodKeepsTypeAndDevice) {
  NodeRef fifo = Make(root(), "fifo", S_IFIFO | 0600);
  NodeRef chr = Make(root(), "null", S_IFCHR | 0666, {}, makedev(1, 3));
  NodeRef sock = Make(root(), "sock", S_IFSOCK | 0600);
  EXPECT_TRUE(S_ISFIFO(Stat(fifo).mode));
  EXPECT_TRUE(S_ISCHR(Stat(chr).mode));
  EXPECT_EQ(Stat(chr).rdev, makedev(1, 3));
  EXPECT_EQ(Stat(fifo).rdev, 0u);
  EXPECT_TRUE(S_ISSOCK(Stat(sock).mode));
  char buffer[4];
  uint32_t got = 0;
  EXPECT_EQ(fs_->Read(ctx_, fifo, nullptr, buffer, 4, 0, &got), NtStatus::InvalidDeviceRequest);
}

TEST_F(NamesTest, UnknownTypeIsInvalid) {
  fsclass::NewNodeSpec spec;
  spec.mode = 0170000 | 0644;
  NodeRef out;
  EXPECT_EQ(fs_->Create(ctx_, root(), "x", spec, &out), NtStatus::InvalidParameter);
}

TEST_F(NamesTest, SetGidDirectoryHandsDownItsGroup) {
  NodeRef dir = MakeDir(root(), "shared");
  FilePosixInfo info;
  info.valid = posix_valid::kMode | posix_valid::kGid;
  info.mode = 02775;
  info.gid = 4242;
  ASSERT_EQ(fs_->SetFileInformation(ctx_, dir, nullptr, info), NtStatus::Success);
  NodeRef file = MakeFile(dir, "f");
  NodeRef sub = MakeDir(dir, "sub");
  EXPECT_EQ(Stat(file).gid, 4242u);
  EXPECT_EQ(Stat(sub).gid, 4242u);
  EXPECT_TRUE(Stat(sub).mode & S_ISGID);
  EXPECT_FALSE(Stat(file).mode & S_ISGID);
}

TEST_F(NamesTest, HardLinksShareTheNodeAndCountNlink) {
  NodeRef file = MakeFile(root(), "a");
  NodeRef dir = MakeDir(root(), "d");
  ASSERT_EQ(Write(file, "shared", 0), NtStatus::Success);
  FileTimeSpec ctimeBefore = Stat(file).ctime;
  ASSERT_EQ(fs_->Link(ctx_, file, dir, "b"), NtStatus::Success);
  EXPECT_EQ(Stat(file).nlink, 2u);
  EXPECT_NE(Stat(file).ctime, ctimeBefore);
  NodeRef other = Lookup(dir, "b");
  EXPECT_EQ(other.context, file.context);
  EXPECT_EQ(Read(other, 0, 100), "shared");

  EXPECT_EQ(fs_->Link(ctx_, file, dir, "b"), NtStatus::ObjectNameCollision);
  EXPECT_EQ(fs_->Link(ctx_, dir, root(), "dirlink"), NtStatus::NotPermitted);

  ASSERT_EQ(fs_->Remove(ctx_, root(), "a"), NtStatus::Success);
  EXPECT_EQ(Stat(other).nlink, 1u);
  EXPECT_EQ(Read(other, 0, 100), "shared");
}

TEST_F(NamesTest, LinkToAnUnlinkedNodeFails) {
  NodeRef file = MakeFile(root(), "a");
  ASSERT_EQ(fs_->Remove(ctx_, root(), "a"), NtStatus::Success);
  EXPECT_EQ(Stat(file).nlink, 0u);
  EXPECT_EQ(fs_->Link(ctx_, file, root(), "again"), NtStatus::ObjectNameNotFound);
}

TEST_F(NamesTest, RemoveFileAndEmptyDirectory) {
  NodeRef dir = MakeDir(root(), "d");
  MakeFile(dir, "f");
  EXPECT_EQ(fs_->CanRemove(ctx_, root(), "d", dir), NtStatus::DirectoryNotEmpty);
  EXPECT_EQ(fs_->Remove(ctx_, root(), "d"), NtStatus::DirectoryNotEmpty);
  EXPECT_EQ(fs_->CanRemove(ctx_, dir, "f", {}), NtStatus::Success);
  EXPECT_EQ(fs_->Remove(ctx_, dir, "f"), NtStatus::Success);
  EXPECT_EQ(fs_->Remove(ctx_, dir, "f"), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(fs_->CanRemove(ctx_, root(), "d", dir), NtStatus::Success);
  EXPECT_EQ(fs_->Remove(ctx_, root(), "d"), NtStatus::Success);
  EXPECT_EQ(LookupStatus(root(), "d"), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(Stat(dir).nlink, 0u);
  EXPECT_EQ(Stat(root()).nlink, 2u);
  // Nothing can be made in a removed directory, and ".." no longer resolves.
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFREG | 0600;
  NodeRef out;
  EXPECT_EQ(fs_->Create(ctx_, dir, "late", spec, &out), NtStatus::ObjectNameNotFound);
  EXPECT_EQ(LookupStatus(dir, ".."), NtStatus::ObjectNameNotFound);
}

TEST_F(NamesTest, RemovedNodeLivesWhileReferencedThenReturnsItsSpace) {
  uint64_t inodesBefore = fs_->capacity().usedInodes();
  uint64_t bytesBefore = fs_->capacity().usedBytes();
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFREG | 0600;
  NodeRef file;
  ASSERT_EQ(fs_->Create(ctx_, root(), "doomed", spec, &file), NtStatus::Success);
  ASSERT_EQ(Write(file, std::string(100000, 'x'), 0), NtStatus::Success);
  EXPECT_EQ(fs_->capacity().usedInodes(), inodesBefore + 1);
  EXPECT_GE(fs_->capacity().usedBytes(), bytesBefore + 100000);

  ASSERT_EQ(fs_->Remove(ctx_, root(), "doomed"), NtStatus::Success);
  // Still open: data readable, space still held.
  EXPECT_EQ(Read(file, 99990, 10), std::string(10, 'x'));
  EXPECT_EQ(fs_->capacity().usedInodes(), inodesBefore + 1);
  EXPECT_GE(fs_->capacity().usedBytes(), bytesBefore + 100000);

  fs_->Forget(file);  // the class driver's last reference
  EXPECT_EQ(fs_->capacity().usedInodes(), inodesBefore);
  EXPECT_EQ(fs_->capacity().usedBytes(), bytesBefore);
}

TEST_F(NamesTest, LookupReferencesKeepANodeAlive) {
  uint64_t inodesBefore = fs_->capacity().usedInodes();
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFREG | 0600;
  NodeRef created, first, second;
  ASSERT_EQ(fs_->Create(ctx_, root(), "f", spec, &created), NtStatus::Success);
  ASSERT_EQ(fs_->Lookup(ctx_, root(), "f", &first), NtStatus::Success);
  ASSERT_EQ(fs_->Lookup(ctx_, root(), "f", &second), NtStatus::Success);
  ASSERT_EQ(fs_->Remove(ctx_, root(), "f"), NtStatus::Success);
  fs_->Forget(created);
  fs_->Forget(first);
  EXPECT_EQ(fs_->capacity().usedInodes(), inodesBefore + 1);
  EXPECT_EQ(Stat(second).nlink, 0u);
  fs_->Forget(second);
  EXPECT_EQ(fs_->capacity().usedInodes(), inodesBefore);
}

TEST_F(NamesTest, InodeLimitGivesDiskFull) {
  fs_ = std::make_unique<MemFs>(MemfsOptions{.maxInodes = 3});
  MakeFile(root(), "one");
  MakeFile(root(), "two");
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFREG | 0600;
  NodeRef out;
  EXPECT_EQ(fs_->Create(ctx_, root(), "three", spec, &out), NtStatus::DiskFull);
  FsFullSizeInfo size;
  ASSERT_EQ(fs_->GetDiskFreeSpace(&size), NtStatus::Success);
  EXPECT_EQ(size.totalFiles, 3u);
  EXPECT_EQ(size.freeFiles, 0u);
  // Removing one frees its inode.
  ASSERT_EQ(fs_->Remove(ctx_, root(), "one"), NtStatus::Success);
  TearDown();  // drop the references held on "one" and "two"
  EXPECT_EQ(fs_->Create(ctx_, root(), "three", spec, &out), NtStatus::Success);
  fs_->Forget(out);
}

TEST_F(NamesTest, DeepTreeTearsDownWithoutRecursion) {
  NodeRef dir = root();
  for (int i = 0; i < 20000; ++i) {
    fsclass::NewNodeSpec spec;
    spec.mode = S_IFDIR | 0755;
    NodeRef next;
    ASSERT_EQ(fs_->Create(ctx_, dir, "d", spec, &next), NtStatus::Success);
    fs_->Forget(next);  // the tree keeps it
    dir = next;
  }
  fs_.reset();  // must not overflow the stack
}

TEST_F(NamesTest, VolumeInformationNamesMemfs) {
  FsVolumeInfo volume;
  FsAttributeInfo attributes;
  ASSERT_EQ(fs_->GetVolumeInformation(&volume, &attributes), NtStatus::Success);
  EXPECT_STREQ(attributes.fileSystemName, "memfs");
  EXPECT_STREQ(volume.label, "memfs");
  EXPECT_TRUE(attributes.attributes & fs_attribute::kSupportsSparseFiles);
  EXPECT_TRUE(attributes.attributes & fs_attribute::kSupportsHardLinks);
  EXPECT_TRUE(attributes.attributes & fs_attribute::kSupportsExtendedAttributes);
  EXPECT_EQ(attributes.maximumComponentNameLength, 255u);
}

TEST_F(NamesTest, DiskFreeSpaceFollowsCapacity) {
  fs_ = std::make_unique<MemFs>(MemfsOptions{.capacityBytes = 1 << 20});
  FsFullSizeInfo size;
  ASSERT_EQ(fs_->GetDiskFreeSpace(&size), NtStatus::Success);
  EXPECT_EQ(size.totalAllocationUnits * size.bytesPerSector * size.sectorsPerAllocationUnit,
            1u << 20);
  EXPECT_EQ(size.actualAvailableAllocationUnits, size.totalAllocationUnits);
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(Write(file, std::string(kChunkSize, 'a'), 0), NtStatus::Success);
  ASSERT_EQ(fs_->GetDiskFreeSpace(&size), NtStatus::Success);
  EXPECT_EQ((size.totalAllocationUnits - size.actualAvailableAllocationUnits) * size.bytesPerSector,
            kChunkSize);
}

}  // namespace
}  // namespace irpfs::memfs::testing
