// Data and attributes through the mirror: read/write/append, truncate, fallocate and
// SEEK_DATA/SEEK_HOLE, flush, setattr, xattrs, volume information.
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "mirror_fixture.h"

namespace irpfs::mirror::testing {
namespace {

TEST_F(MirrorTest, WritesAtOffsetsAndAppends) {
  FileObject* fo = OpenRW("/f", CreateDisposition::Create);
  ASSERT_NE(fo, nullptr);
  ASSERT_EQ(Write(fo, 0, "0123456789"), NtStatus::Success);
  ASSERT_EQ(Write(fo, 2, "ab"), NtStatus::Success);
  ASSERT_EQ(Write(fo, 0, "END", rw_flag::kAppend), NtStatus::Success);
  std::string part;
  ASSERT_EQ(Read(fo, 8, 100, &part), NtStatus::Success);
  EXPECT_EQ(part, "89END");
  ASSERT_EQ(Read(fo, 100, 10, &part), NtStatus::Success);  // past the end: 0 bytes
  EXPECT_EQ(part, "");
  Close(fo);
  EXPECT_EQ(ReadHostFile(Host("f")), "01ab456789END");
}

TEST_F(MirrorTest, AppendOnlyOpenWritesAtTheEnd) {
  WriteHostFile(Host("log"), "first\n");
  FileObject* fo =
      MustOpen({.name = "/log", .access = access::kAppendData | access::kReadAttributes});
  ASSERT_NE(fo, nullptr);
  ASSERT_EQ(Write(fo, 0, "second\n"), NtStatus::Success);
  Close(fo);
  EXPECT_EQ(ReadHostFile(Host("log")), "first\nsecond\n");
}

TEST_F(MirrorTest, OverwriteDispositionTruncates) {
  WriteHostFile(Host("big"), std::string(5000, 'z'));
  FileObject* fo = OpenRW("/big", CreateDisposition::OverwriteIf);
  ASSERT_NE(fo, nullptr);
  EXPECT_EQ(Stat(fo).size, 0u);
  Close(fo);
  EXPECT_EQ(ReadHostFile(Host("big")), "");
}

TEST_F(MirrorTest, PosixSetattrChangesModeSizeAndTimes) {
  WriteHostFile(Host("s"), "abcdef");
  FileObject* fo = OpenRW("/s");
  FilePosixInfo info;
  info.valid = posix_valid::kMode | posix_valid::kSize | posix_valid::kMtime | posix_valid::kAtime;
  info.mode = 0604;
  info.size = 3;
  info.mtime = {1000000, 5};
  info.atime = {2000000, 7};
  ASSERT_EQ(SetInfo(fo, FileInformationClass::FilePosixInformation, info), NtStatus::Success);
  Close(fo);
  struct stat st;
  ASSERT_EQ(lstat(Host("s").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  EXPECT_EQ(st.st_size, 3);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 5);
  EXPECT_EQ(st.st_atim.tv_sec, 2000000);
}

TEST_F(MirrorTest, TruncateByNodeWithoutADataOpen) {
  WriteHostFile(Host("t"), "abcdef");
  // An attributes-only open carries no descriptor: the size change reopens the node.
  FileObject* fo =
      MustOpen({.name = "/t", .access = access::kReadAttributes | access::kWriteAttributes});
  ASSERT_NE(fo, nullptr);
  FilePosixInfo info;
  info.valid = posix_valid::kSize;
  info.size = 2;
  ASSERT_EQ(SetInfo(fo, FileInformationClass::FilePosixInformation, info), NtStatus::Success);
  Close(fo);
  EXPECT_EQ(ReadHostFile(Host("t")), "ab");
}

TEST_F(MirrorTest, FallocateAndSeekDataFindTheHoles) {
  FileObject* fo = OpenRW("/sparse", CreateDisposition::Create);
  ASSERT_NE(fo, nullptr);
  const uint64_t mib = 1 << 20;
  ASSERT_EQ(Write(fo, 4 * mib, "tail"), NtStatus::Success);
  ASSERT_EQ(Write(fo, 0, std::string(64 * 1024, 'd')), NtStatus::Success);
  // fallocate past the data: blocks are reserved (ext4 and tmpfs still call them holes).
  FileAllocateRangeInfo range{mib, 64 * 1024, 0};
  ASSERT_EQ(SetInfo(fo, FileInformationClass::FileAllocateRangeInformation, range),
            NtStatus::Success);
  struct stat st;
  ASSERT_EQ(lstat(Host("sparse").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, static_cast<off_t>(4 * mib + 4));
  EXPECT_GE(st.st_blocks * 512, 128 * 1024);

  FileSeekDataInfo seek{0, SEEK_HOLE};
  ASSERT_EQ(QueryInfo(fo, FileInformationClass::FileSeekDataInformation, &seek), NtStatus::Success);
  EXPECT_GE(seek.offset, 64u * 1024);
  EXPECT_LT(seek.offset, 4 * mib);
  seek = {seek.offset, SEEK_DATA};
  ASSERT_EQ(QueryInfo(fo, FileInformationClass::FileSeekDataInformation, &seek), NtStatus::Success);
  EXPECT_LE(seek.offset, 4 * mib);
  EXPECT_GT(seek.offset, 64u * 1024);
  seek = {4 * mib + 10, SEEK_DATA};
  EXPECT_EQ(QueryInfo(fo, FileInformationClass::FileSeekDataInformation, &seek),
            NtStatus::NoDataDetected);
  Close(fo);
}

TEST_F(MirrorTest, KeepSizeAllocationDoesNotMoveTheEnd) {
  WriteHostFile(Host("k"), "12345");
  FileObject* fo = OpenRW("/k");
  FileAllocateRangeInfo range{0, 1 << 20, FALLOC_FL_KEEP_SIZE};
  ASSERT_EQ(SetInfo(fo, FileInformationClass::FileAllocateRangeInformation, range),
            NtStatus::Success);
  EXPECT_EQ(Stat(fo).size, 5u);
  EXPECT_GE(Stat(fo).allocationSize, 1u << 20);
  Close(fo);
}

TEST_F(MirrorTest, FlushSucceedsOnFilesAndDirectories) {
  FileObject* fo = OpenRW("/f", CreateDisposition::Create);
  ASSERT_EQ(Write(fo, 0, "durable"), NtStatus::Success);
  EXPECT_EQ(Send(fo, IrpMajor::FlushBuffers, 0, 0, nullptr), NtStatus::Success);
  EXPECT_EQ(Send(fo, IrpMajor::FlushBuffers, minor::kFlushDataOnly, 0, nullptr), NtStatus::Success);
  Close(fo);
  FileObject* dir = MustOpen({.name = "/", .options = create_option::kDirectoryFile});
  EXPECT_EQ(Send(dir, IrpMajor::FlushBuffers, 0, 0, nullptr), NtStatus::Success);
  Close(dir);
}

TEST_F(MirrorTest, DirectIoWorksWithUnalignedBuffers) {
  FileObject* fo = MustOpen({.name = "/direct",
                             .access = access::kGenericRead | access::kGenericWrite,
                             .disposition = CreateDisposition::Create,
                             .openFlags = O_DIRECT});
  if (fo == nullptr) GTEST_SKIP() << "the backing file system refuses O_DIRECT";
  std::string block(4096, 'd');
  EXPECT_EQ(Write(fo, 0, block), NtStatus::Success);  // the std::string copy is unaligned
  std::string back;
  ASSERT_EQ(Read(fo, 0, 4096, &back), NtStatus::Success);
  EXPECT_EQ(back, block);
  // Unaligned offsets stay the host's business: EINVAL, as on the backing file system.
  EXPECT_EQ(StatusToErrno(Write(fo, 1, block)), EINVAL);
  Close(fo);
}

// The read path learns on its own: a read is the open's first transfer here. On a host
// that wants aligned memory (ext4, xfs) the first unaligned read is refused and retried
// through the bounce buffer; on one that does not (tmpfs) it goes straight through.
TEST_F(MirrorTest, DirectReadWorksWithUnalignedBuffersAsTheFirstTransfer) {
  {
    std::string block(8192, 'r');
    FILE* host = std::fopen(Host("direct-read").c_str(), "w");
    ASSERT_NE(host, nullptr);
    ASSERT_EQ(std::fwrite(block.data(), 1, block.size(), host), block.size());
    ASSERT_EQ(std::fclose(host), 0);
  }
  FileObject* fo = MustOpen({.name = "/direct-read",
                             .access = access::kGenericRead,
                             .disposition = CreateDisposition::Open,
                             .openFlags = O_DIRECT});
  if (fo == nullptr) GTEST_SKIP() << "the backing file system refuses O_DIRECT";
  for (int pass = 0; pass < 2; ++pass) {
    std::string back;
    ASSERT_EQ(Read(fo, 4096, 4096, &back), NtStatus::Success) << pass;
    EXPECT_EQ(back, std::string(4096, 'r')) << pass;
  }
  Close(fo);
}

NtStatus SetEa(MirrorTest* t, FileObject* fo, const std::string& name, std::string value,
               uint32_t flags = 0) {
  return t->Send(
      fo, IrpMajor::SetEa, 0, 0,
      [&](IoStackLocation* sl) {
        sl->parameters.setEa.name = name;
        sl->parameters.setEa.length = static_cast<uint32_t>(value.size());
        sl->parameters.setEa.flags = flags;
      },
      value.data());
}

NtStatus GetEa(MirrorTest* t, FileObject* fo, const std::string& name, std::string* value,
               uint32_t length = 256) {
  value->assign(length, '\0');
  uint64_t info = 0;
  NtStatus s = t->Send(
      fo, IrpMajor::QueryEa, 0, 0,
      [&](IoStackLocation* sl) {
        sl->parameters.queryEa.name = name;
        sl->parameters.queryEa.length = length;
      },
      length ? value->data() : nullptr, &info);
  value->resize(NtSuccess(s) && length ? info : 0);
  if (!NtSuccess(s) || length == 0) value->assign(std::to_string(info));
  return s;
}

class MirrorXattrTest : public MirrorTest {
 protected:
  void SetUp() override {
    MirrorTest::SetUp();
    WriteHostFile(Host("x"), "x");
    if (setxattr(Host("x").c_str(), "user.probe", "1", 1, 0) != 0) {
      GTEST_SKIP() << "no user xattrs on the backing file system";
    }
    removexattr(Host("x").c_str(), "user.probe");
  }
};

TEST_F(MirrorXattrTest, SetGetListRemoveOnAFile) {
  FileObject* fo = OpenRW("/x");
  ASSERT_EQ(SetEa(this, fo, "user.color", "blue"), NtStatus::Success);
  char host[16] = {};
  ASSERT_EQ(getxattr(Host("x").c_str(), "user.color", host, sizeof host), 4);
  EXPECT_STREQ(host, "blue");
  std::string value;
  ASSERT_EQ(GetEa(this, fo, "user.color", &value), NtStatus::Success);
  EXPECT_EQ(value, "blue");
  ASSERT_EQ(GetEa(this, fo, "user.color", &value, 0), NtStatus::Success);  // size probe
  EXPECT_EQ(value, "4");
  EXPECT_EQ(GetEa(this, fo, "user.color", &value, 2), NtStatus::BufferTooSmall);
  EXPECT_EQ(value, "4");
  ASSERT_EQ(GetEa(this, fo, "", &value), NtStatus::Success);  // list
  EXPECT_NE(value.find(std::string("user.color\0", 11)), std::string::npos);
  EXPECT_EQ(SetEa(this, fo, "user.color", "red", ea_flag::kCreate), NtStatus::ObjectNameCollision);
  ASSERT_EQ(SetEa(this, fo, "user.color", "", ea_flag::kRemove), NtStatus::Success);
  EXPECT_EQ(GetEa(this, fo, "user.color", &value), NtStatus::NonexistentEaEntry);
  EXPECT_EQ(SetEa(this, fo, "user.color", "x", ea_flag::kReplace), NtStatus::NonexistentEaEntry);
  Close(fo);
}

TEST_F(MirrorXattrTest, DirectoriesAndTheRootCarryXattrs) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  FileObject* d = MustOpen({.name = "/d", .options = create_option::kDirectoryFile});
  ASSERT_EQ(SetEa(this, d, "user.k", "dir"), NtStatus::Success);
  Close(d);
  FileObject* root = MustOpen({.name = "/", .options = create_option::kDirectoryFile});
  ASSERT_EQ(SetEa(this, root, "user.k", "root"), NtStatus::Success);
  Close(root);
  char value[16] = {};
  ASSERT_EQ(getxattr(Host("d").c_str(), "user.k", value, sizeof value), 3);
  EXPECT_STREQ(value, "dir");
  ASSERT_EQ(getxattr(source_.c_str(), "user.k", value, sizeof value), 4);
}

TEST_F(MirrorXattrTest, UserXattrsOnASymlinkAreRefusedLikeTheHost) {
  ASSERT_EQ(symlink("x", Host("l").c_str()), 0);
  FileObject* l = MustOpen({.name = "/l", .access = access::kReadAttributes});
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(SetEa(this, l, "user.k", "v"), NtStatus::PrivilegeNotHeld);  // EPERM
  std::string value;
  EXPECT_EQ(GetEa(this, l, "user.k", &value), NtStatus::NonexistentEaEntry);
  Close(l);
  // The target was never touched.
  EXPECT_EQ(getxattr(Host("x").c_str(), "user.k", nullptr, 0), -1);
}

TEST_F(MirrorTest, VolumeInformationComesFromTheBackingFileSystem) {
  FsFullSizeInfo size;
  uint64_t info = 0;
  ASSERT_EQ(Send(
                nullptr, IrpMajor::QueryVolumeInformation, 0, 0,
                [&](IoStackLocation* sl) {
                  sl->parameters.queryVolume.length = sizeof size;
                  sl->parameters.queryVolume.fsInformationClass =
                      FsInformationClass::FileFsFullSizeInformation;
                },
                &size, &info),
            NtStatus::Success);
  struct statvfs host;
  ASSERT_EQ(statvfs(source_.c_str(), &host), 0);
  EXPECT_EQ(size.totalAllocationUnits, host.f_blocks);
  EXPECT_EQ(size.bytesPerSector, host.f_frsize);
  EXPECT_EQ(size.totalFiles, host.f_files);
}

}  // namespace
}  // namespace irpfs::mirror::testing

namespace irpfs::mirror::testing {
namespace {

size_t OpenDescriptors() {
  size_t count = 0;
  for (auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++count;
  }
  return count;
}

// The access modes (O_RDONLY, O_WRONLY, O_RDWR; O_PATH as itself) of this process's
// descriptors of the host file `path`.
std::multiset<int> HostDescriptorModes(const std::string& path) {
  std::multiset<int> modes;
  for (auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(entry.path(), ec) != path || ec) continue;
    std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
    std::string key;
    int flags = 0;
    while (info >> key) {
      if (key == "flags:") {
        info >> std::oct >> flags;
        break;
      }
    }
    modes.insert((flags & O_PATH) ? O_PATH : (flags & O_ACCMODE));
  }
  return modes;
}

// A create that writes opens the host file once: the descriptor O_CREAT made serves the
// open (no reopen by name); the node keeps its O_PATH descriptor; nothing stays behind.
TEST_F(MirrorTest, ACreateThatWritesUsesTheDescriptorItCreatedWith) {
  Opened opened = Create({.name = "/new",
                          .access = access::kGenericWrite,
                          .disposition = CreateDisposition::Create,
                          .mode = 0444});
  ASSERT_EQ(opened.status, NtStatus::Success) << StatusName(opened.status);
  EXPECT_EQ(HostDescriptorModes(Host("new")), (std::multiset<int>{O_PATH, O_RDWR}));
  ASSERT_EQ(Write(opened.fo, 0, "made"), NtStatus::Success);
  Close(opened.fo);
  EXPECT_EQ(ReadHostFile(Host("new")), "made");
  EXPECT_TRUE(HostDescriptorModes(Host("new")).empty());
  EXPECT_EQ(::access(Host("new").c_str(), F_OK), 0);
}

// A create whose open only reads keeps no writer of the file: a read-write descriptor
// held for it would make exec of the file ETXTBSY while the handle is open.
TEST_F(MirrorTest, ACreateThatOnlyReadsHoldsNoWritableDescriptor) {
  Opened opened = Create({.name = "/script",
                          .access = access::kGenericRead,
                          .disposition = CreateDisposition::Create,
                          .mode = 0755});
  ASSERT_EQ(opened.status, NtStatus::Success) << StatusName(opened.status);
  EXPECT_EQ(HostDescriptorModes(Host("script")), (std::multiset<int>{O_PATH, O_RDONLY}));
  Close(opened.fo);
}

// Flags fcntl cannot add to the create's descriptor (O_SYNC) make the open reopen the
// file with them; the ones it can (O_APPEND) are added.
TEST_F(MirrorTest, ACreateKeepsTheOpensFlags) {
  Opened synced = Create({.name = "/synced",
                          .access = access::kGenericWrite,
                          .disposition = CreateDisposition::Create,
                          .mode = 0644,
                          .openFlags = O_SYNC});
  ASSERT_EQ(synced.status, NtStatus::Success) << StatusName(synced.status);
  EXPECT_EQ(HostDescriptorModes(Host("synced")), (std::multiset<int>{O_PATH, O_WRONLY}));
  Close(synced.fo);

  Opened appended = Create({.name = "/appended",
                            .access = access::kAppendData | access::kReadAttributes,
                            .disposition = CreateDisposition::Create,
                            .mode = 0644});
  ASSERT_EQ(appended.status, NtStatus::Success) << StatusName(appended.status);
  ASSERT_EQ(Write(appended.fo, 0, "one"), NtStatus::Success);
  ASSERT_EQ(Write(appended.fo, 0, "two"), NtStatus::Success);
  Close(appended.fo);
  EXPECT_EQ(ReadHostFile(Host("appended")), "onetwo");
}

// CLEANUP (the last handle) closes the host descriptor even while the file object lives
// on (the FUSE dispatcher keeps it referenced from the node's own file object).
TEST_F(MirrorTest, CleanupClosesTheHostDescriptor) {
  WriteHostFile(Host("c"), "data");
  fsclass::OperationContext ctx;
  fsclass::NodeRef node;
  ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "c", &node), NtStatus::Success);
  size_t before = OpenDescriptors();
  void* open = nullptr;
  ASSERT_EQ(mirror_->Open(ctx, node, access::kReadData, 0, &open), NtStatus::Success);
  EXPECT_EQ(OpenDescriptors(), before + 1);
  mirror_->Cleanup(ctx, node, open);
  EXPECT_EQ(OpenDescriptors(), before);
  char buffer[8];
  uint32_t got = 0;
  EXPECT_EQ(mirror_->Read(ctx, node, open, buffer, sizeof buffer, 0, &got), NtStatus::FileClosed);
  mirror_->Close(node, open);
  mirror_->Forget(node);
}

// A read in flight keeps the descriptor until it ends, however CLEANUP races with it.
TEST_F(MirrorTest, ReadsRacingCleanupNeverUseAClosedDescriptor) {
  WriteHostFile(Host("r"), std::string(4096, 'r'));
  fsclass::OperationContext ctx;
  fsclass::NodeRef node;
  ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "r", &node), NtStatus::Success);
  for (int round = 0; round < 50; ++round) {
    void* open = nullptr;
    ASSERT_EQ(mirror_->Open(ctx, node, access::kReadData, 0, &open), NtStatus::Success);
    std::atomic<int> bad{0};
    std::thread reader([&] {
      char buffer[4096];
      for (int i = 0; i < 200; ++i) {
        uint32_t got = 0;
        NtStatus s = mirror_->Read(ctx, node, open, buffer, sizeof buffer, 0, &got);
        if (s == NtStatus::FileClosed) break;
        if (s != NtStatus::Success || got != sizeof buffer || buffer[0] != 'r') bad.fetch_add(1);
      }
    });
    mirror_->Cleanup(ctx, node, open);
    reader.join();
    mirror_->Close(node, open);
    EXPECT_EQ(bad.load(), 0);
  }
  mirror_->Forget(node);
}

}  // namespace
}  // namespace irpfs::mirror::testing

namespace irpfs::mirror::testing {
namespace {

TEST_F(MirrorTest, BackingDescriptorIsTheOpensOwnHostFile) {
  WriteHostFile(Host("p"), "passthrough");
  fsclass::OperationContext ctx;
  fsclass::NodeRef node;
  ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "p", &node), NtStatus::Success);
  int fd = -1;
  EXPECT_EQ(mirror_->GetBackingDescriptor(ctx, node, nullptr, &fd), NtStatus::InvalidHandle);
  void* open = nullptr;
  ASSERT_EQ(mirror_->Open(ctx, node, access::kReadData, 0, &open), NtStatus::Success);
  ASSERT_EQ(mirror_->GetBackingDescriptor(ctx, node, open, &fd), NtStatus::Success);
  char buffer[16] = {};
  EXPECT_EQ(pread(fd, buffer, sizeof buffer, 0), 11);  // a real descriptor of the file
  EXPECT_STREQ(buffer, "passthrough");
  mirror_->Cleanup(ctx, node, open);
  EXPECT_EQ(mirror_->GetBackingDescriptor(ctx, node, open, &fd), NtStatus::FileClosed);
  mirror_->Close(node, open);
  mirror_->Forget(node);
}

// A passthrough write would run with the server's CAP_FSETID and never reach the server,
// which must drop the bits of a set-ID file: such a file gets no backing descriptor.
TEST_F(MirrorTest, SetIdFilesGetNoBackingDescriptor) {
  WriteHostFile(Host("s"), "set-id");
  fsclass::OperationContext ctx;
  fsclass::NodeRef node;
  ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "s", &node), NtStatus::Success);
  for (mode_t mode : {04755, 02755}) {
    ASSERT_EQ(chmod(Host("s").c_str(), mode), 0);
    void* open = nullptr;
    ASSERT_EQ(mirror_->Open(ctx, node, access::kReadData, 0, &open), NtStatus::Success);
    int fd = -1;
    EXPECT_EQ(mirror_->GetBackingDescriptor(ctx, node, open, &fd), NtStatus::InvalidDeviceRequest)
        << std::oct << mode;
    EXPECT_EQ(fd, -1);
    mirror_->Cleanup(ctx, node, open);
    mirror_->Close(node, open);
  }
  mirror_->Forget(node);
}

}  // namespace
}  // namespace irpfs::mirror::testing

namespace irpfs::mirror::testing {
namespace {

// The class driver answers FileBackingDescriptorInformation from the mirror's open: the
// descriptor reads the host file. Directories and node opens (no data access) have none.
TEST_F(MirrorTest, BackingDescriptorQueryThroughTheClassDriver) {
  WriteHostFile(Host("q"), "through the stack");
  FileObject* fo = MustOpen({.name = "/q", .access = access::kGenericRead});
  ASSERT_NE(fo, nullptr);
  FileBackingDescriptorInfo backing;
  ASSERT_EQ(QueryInfo(fo, FileInformationClass::FileBackingDescriptorInformation, &backing),
            NtStatus::Success);
  ASSERT_GE(backing.fd, 0);
  char buffer[32] = {};
  EXPECT_EQ(pread(backing.fd, buffer, sizeof buffer, 0), 17);
  EXPECT_STREQ(buffer, "through the stack");
  EXPECT_EQ(QueryInfo(fo, FileInformationClass::FileBackingDescriptorInformation, &backing,
                      sizeof backing - 1),
            NtStatus::InfoLengthMismatch);
  Close(fo);

  FileObject* attributesOnly = MustOpen({.name = "/q", .access = access::kReadAttributes});
  EXPECT_EQ(
      QueryInfo(attributesOnly, FileInformationClass::FileBackingDescriptorInformation, &backing),
      NtStatus::InvalidDeviceRequest);
  Close(attributesOnly);

  FileObject* root = MustOpen(
      {.name = "/", .access = access::kGenericRead, .options = create_option::kDirectoryFile});
  EXPECT_EQ(QueryInfo(root, FileInformationClass::FileBackingDescriptorInformation, &backing),
            NtStatus::InvalidDeviceRequest);
  Close(root);
}

}  // namespace
}  // namespace irpfs::mirror::testing
