// FSCTL_IRPFS_COPY_RANGE on the mirror: copy_file_range(2) between the host descriptors,
// checked on the host files; the class driver's refusals on a real mini.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "core/fsctl.h"
#include "fsclass/ccb.h"
#include "mirror_fixture.h"
#include "support/copy_range_irp.h"

namespace irpfs::mirror::testing {
namespace {

constexpr uid_t kNobody = 65534;

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen());
  return s;
}

class MirrorCopyTest : public MirrorTest {
 protected:
  NtStatus Copy(FileObject* dst, FileObject* src, uint64_t from, uint64_t to, uint64_t length,
                uint64_t* copied = nullptr) {
    return test_volume::SendCopyRange(volume_, dst, test_volume::CopyRangeOf(src, from, to, length),
                                      copied, {.requestor = requestor_});
  }
  FileObject* OpenRead(const std::string& name) {
    return MustOpen({.name = name, .access = access::kGenericRead});
  }
};

TEST_F(MirrorCopyTest, CopiesBetweenHostFiles) {
  std::string data = RandomBytes(3 << 20, 1);
  WriteHostFile(Host("src"), data);
  WriteHostFile(Host("dst"), "old content");
  FileObject* src = OpenRead("/src");
  FileObject* dst = OpenRW("/dst");
  ASSERT_NE(src, nullptr);
  ASSERT_NE(dst, nullptr);
  uint64_t copied = 0;
  constexpr uint64_t kFrom = 1000, kTo = 4, kLength = (2 << 20) + 17;
  ASSERT_EQ(Copy(dst, src, kFrom, kTo, kLength, &copied), NtStatus::Success);
  EXPECT_EQ(copied, kLength);
  std::string expected = "old content";
  expected.resize(kTo + kLength);
  expected.replace(kTo, kLength, data.substr(kFrom, kLength));
  EXPECT_EQ(ReadHostFile(Host("dst")), expected);
  EXPECT_EQ(Stat(dst).size, kTo + kLength);
  Close(src);
  Close(dst);
}

TEST_F(MirrorCopyTest, ShortAtTheSourcesEnd) {
  WriteHostFile(Host("src"), "hello world");
  FileObject* src = OpenRead("/src");
  FileObject* dst = OpenRW("/dst", CreateDisposition::Create);
  uint64_t copied = 0;
  ASSERT_EQ(Copy(dst, src, 6, 0, 1 << 20, &copied), NtStatus::Success);
  EXPECT_EQ(copied, 5u);
  ASSERT_EQ(Copy(dst, src, 11, 5, 10, &copied), NtStatus::Success);
  EXPECT_EQ(copied, 0u);
  ASSERT_EQ(Copy(dst, src, 0, 5, 0, &copied), NtStatus::Success);
  EXPECT_EQ(copied, 0u);
  Close(src);
  Close(dst);
  EXPECT_EQ(ReadHostFile(Host("dst")), "world");
}

TEST_F(MirrorCopyTest, OneFileWithoutOverlapOnly) {
  WriteHostFile(Host("f"), "0123456789");
  FileObject* f = OpenRW("/f");
  uint64_t copied = 0;
  EXPECT_EQ(Copy(f, f, 0, 5, 6), NtStatus::InvalidParameter);
  ASSERT_EQ(Copy(f, f, 0, 10, 10, &copied), NtStatus::Success);
  EXPECT_EQ(copied, 10u);
  Close(f);
  EXPECT_EQ(ReadHostFile(Host("f")), "01234567890123456789");
}

TEST_F(MirrorCopyTest, WrongAccessAndDirectoriesAreRefused) {
  WriteHostFile(Host("a"), "abc");
  WriteHostFile(Host("b"), "xyz");
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  FileObject* readOnly = OpenRead("/b");
  FileObject* writeOnly = MustOpen({.name = "/a", .access = access::kGenericWrite});
  FileObject* rw = OpenRW("/b");
  FileObject* dir = MustOpen({.name = "/d", .access = access::kGenericRead});
  EXPECT_EQ(Copy(readOnly, rw, 0, 0, 3), NtStatus::AccessDenied);
  EXPECT_EQ(Copy(rw, writeOnly, 0, 0, 3), NtStatus::AccessDenied);
  EXPECT_EQ(Copy(rw, dir, 0, 0, 3), NtStatus::FileIsADirectory);
  EXPECT_EQ(Copy(dir, readOnly, 0, 0, 3), NtStatus::FileIsADirectory);
  for (FileObject* fo : {readOnly, writeOnly, rw, dir}) Close(fo);
  EXPECT_EQ(ReadHostFile(Host("a")), "abc");
  EXPECT_EQ(ReadHostFile(Host("b")), "xyz");
}

TEST_F(MirrorCopyTest, AnotherMirrorVolumeIsNotTheSameDevice) {
  std::string otherSource = base_ + "/other";
  ASSERT_EQ(mkdir(otherSource.c_str(), 0777), 0);
  WriteHostFile(otherSource + "/f", "foreign");
  DeviceObject* other = nullptr;
  ASSERT_EQ(MirrorCreateVolume(driver_, "source=" + otherSource, {.name = "mirror-other"}, &other),
            NtStatus::Success);
  FileObject* foreign = IoCreateFileObject(other);
  foreign->fileName = "/f";
  Irp* irp = IoAllocateIrp(other->stackSize);
  IoStackLocation* sl = IoGetNextIrpStackLocation(irp);
  sl->majorFunction = IrpMajor::Create;
  sl->fileObject = foreign;
  sl->parameters.create.desiredAccess = access::MapGeneric(access::kGenericRead);
  sl->parameters.create.shareAccess = share::kAll;
  sl->parameters.create.disposition = CreateDisposition::Open;
  ASSERT_EQ(IoCallDriverSynchronous(other, irp), NtStatus::Success);
  IoFreeIrp(irp);
  ObOpenHandle(foreign);
  ObDereferenceObject(foreign);
  FileObject* dst = OpenRW("/dst", CreateDisposition::Create);
  EXPECT_EQ(Copy(dst, foreign, 0, 0, 7), NtStatus::NotSameDevice);
  Close(dst);
  Close(foreign);
  fsclass::FsDeleteVolume(other);
  EXPECT_EQ(ReadHostFile(Host("dst")), "");
}

// Two host file systems below the source: copy_file_range(2) refuses (EXDEV) and the
// mirror copies through a buffer instead.
TEST_F(MirrorCopyTest, AcrossHostFileSystemsFallsBackToABuffer) {
  std::string sub = Host("sub");
  ASSERT_EQ(mkdir(sub.c_str(), 0777), 0);
  if (mount("irpfs-copy-test", sub.c_str(), "tmpfs", 0, "size=16m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs (needs root)";
  }
  std::string data = RandomBytes((3 << 20) + 5, 2);
  WriteHostFile(Host("src"), data);
  FileObject* src = OpenRead("/src");
  FileObject* dst = OpenRW("/sub/dst", CreateDisposition::Create);
  uint64_t copied = 0;
  EXPECT_EQ(Copy(dst, src, 0, 0, data.size() + 100, &copied), NtStatus::Success);
  EXPECT_EQ(copied, data.size());
  Close(src);
  Close(dst);
  EXPECT_EQ(ReadHostFile(sub + "/dst"), data);
  EXPECT_EQ(umount(sub.c_str()), 0);
}

// A cancelled IRP (FUSE_INTERRUPT) stops the host copy between two copy_file_range(2)
// pieces: what was copied is reported with STATUS_CANCELLED, the rest stays as it was.
// Called on the mini directly: the class driver answers an IRP cancelled beforehand
// itself, and the copy runs on this thread, so the IRP is cancelled before it starts.
TEST_F(MirrorCopyTest, ACancelledCopyStopsBetweenPieces) {
  constexpr uint64_t kLength = uint64_t{20} << 20;  // more than one piece (16 MiB)
  {
    int fd = open(Host("big").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, "head", 4, 0), 4);
    ASSERT_EQ(pwrite(fd, "tail", 4, kLength - 4), 4);
    close(fd);
  }
  FileObject* src = OpenRead("/big");
  FileObject* dst = OpenRW("/copy", CreateDisposition::Create);
  ASSERT_NE(src, nullptr);
  ASSERT_NE(dst, nullptr);
  auto openOf = [](FileObject* fo) {
    return static_cast<fsclass::Ccb*>(fo->fsContext2)->openContext;
  };
  Irp* irp = IoAllocateIrp(1);
  irp->cancel.store(true);
  fsclass::OperationContext ctx{requestor_, irp};
  uint64_t copied = 0;
  EXPECT_EQ(mirror_->CopyRange(ctx, {}, openOf(src), 0, {}, openOf(dst), 0, kLength, &copied),
            NtStatus::Cancelled);
  EXPECT_GT(copied, 0u);
  EXPECT_LE(copied, uint64_t{16} << 20);
  struct stat st;
  ASSERT_EQ(lstat(Host("copy").c_str(), &st), 0);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), copied);
  EXPECT_EQ(ReadHostFile(Host("copy")).substr(0, 4), "head");

  // Not cancelled: the rest, up to the tail.
  irp->cancel.store(false);
  uint64_t rest = 0;
  EXPECT_EQ(mirror_->CopyRange(ctx, {}, openOf(src), copied, {}, openOf(dst), copied,
                               kLength - copied, &rest),
            NtStatus::Success);
  EXPECT_EQ(copied + rest, kLength);
  EXPECT_EQ(ReadHostFile(Host("copy")).substr(kLength - 4), "tail");
  IoFreeIrp(irp);
  Close(src);
  Close(dst);
}

TEST_F(MirrorCopyTest, ACopyBySomeoneElseClearsTheSetUidBit) {
  if (geteuid() != 0) GTEST_SKIP() << "identity switching needs a root server";
  WriteHostFile(Host("src"), "data");
  WriteHostFile(Host("suid"), "x");
  ASSERT_EQ(chmod(Host("suid").c_str(), 04777), 0);
  ASSERT_EQ(chmod(Host("src").c_str(), 0644), 0);
  requestor_ = Requestor{0, kNobody, kNobody};
  FileObject* src = OpenRead("/src");
  FileObject* dst = MustOpen({.name = "/suid", .access = access::kGenericWrite});
  ASSERT_NE(src, nullptr);
  ASSERT_NE(dst, nullptr);
  ASSERT_EQ(Copy(dst, src, 0, 0, 4), NtStatus::Success);
  Close(src);
  Close(dst);
  struct stat st;
  ASSERT_EQ(lstat(Host("suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & S_ISUID, 0u);
  EXPECT_EQ(ReadHostFile(Host("suid")), "data");
}

}  // namespace
}  // namespace irpfs::mirror::testing
