// IRP_MJ_FILE_SYSTEM_CONTROL / FSCTL_IRPFS_COPY_RANGE through the class driver: what it
// checks before the mini's CopyRange runs, and what it passes on.
#include "core/fsctl.h"
#include "fsclass_harness.h"
#include "support/copy_range_irp.h"

namespace irpfs::fsclass::testing {
namespace {

using D = CreateDisposition;

using test_volume::CopyRangeSend;
using test_volume::SendCopyRange;

CopyRangeInput Range(FileObject* src, uint64_t from, uint64_t to, uint64_t length) {
  return test_volume::CopyRangeOf(src, from, to, length);
}

class CopyRangeTest : public FsClassTest {
 protected:
  NtStatus Copy(FileObject* dst, const CopyRangeInput& in, uint64_t* copied = nullptr) {
    return SendCopyRange(volume_, dst, in, copied);
  }
};

TEST_F(CopyRangeTest, CopiesAndReportsTheBytesCopied) {
  FileObject* src = MakeFile("/src", "hello world");
  FileObject* dst = MakeFile("/dst", "0123456789");
  uint64_t copied = 0;
  ASSERT_EQ(Copy(dst, Range(src, 6, 2, 5), &copied), NtStatus::Success);
  EXPECT_EQ(copied, 5u);
  EXPECT_EQ(fs_->Content("/dst"), "01world789");
  // Short at the source's end of file; zero past it (the mini decides, the class driver
  // passes it on).
  ASSERT_EQ(Copy(dst, Range(src, 8, 0, 100), &copied), NtStatus::Success);
  EXPECT_EQ(copied, 3u);
  ASSERT_EQ(Copy(dst, Range(src, 50, 0, 100), &copied), NtStatus::Success);
  EXPECT_EQ(copied, 0u);
  EXPECT_EQ(fs_->copyCalls.load(), 3);
  Close(src);
  Close(dst);
}

TEST_F(CopyRangeTest, ZeroLengthSucceedsWithoutTheMini) {
  FileObject* src = MakeFile("/src", "abc");
  FileObject* dst = MakeFile("/dst");
  uint64_t copied = 1;
  EXPECT_EQ(Copy(dst, Range(src, 0, 0, 0), &copied), NtStatus::Success);
  EXPECT_EQ(copied, 0u);
  EXPECT_EQ(fs_->copyCalls.load(), 0);
  Close(src);
  Close(dst);
}

TEST_F(CopyRangeTest, OverlapWithinOneFileIsInvalid) {
  FileObject* f = MakeFile("/f", "0123456789");
  FileObject* g = MustOpen({.name = "/f", .access = access::kGenericRead});
  EXPECT_EQ(Copy(f, Range(f, 0, 5, 6)), NtStatus::InvalidParameter);
  EXPECT_EQ(Copy(f, Range(f, 5, 0, 6)), NtStatus::InvalidParameter);
  EXPECT_EQ(Copy(f, Range(f, 3, 3, 1)), NtStatus::InvalidParameter);
  // Two opens of one file are one file.
  EXPECT_EQ(Copy(f, Range(g, 0, 5, 6)), NtStatus::InvalidParameter);
  EXPECT_EQ(fs_->copyCalls.load(), 0);
  // Adjacent ranges do not overlap.
  uint64_t copied = 0;
  EXPECT_EQ(Copy(f, Range(g, 0, 5, 5), &copied), NtStatus::Success);
  EXPECT_EQ(copied, 5u);
  EXPECT_EQ(fs_->Content("/f"), "0123401234");
  Close(f);
  Close(g);
}

TEST_F(CopyRangeTest, NeedsReadOnTheSourceAndWriteOnTheDestination) {
  FileObject* both = MakeFile("/a", "abc");
  Close(MakeFile("/b", "xyz"));
  FileObject* readOnly = MustOpen({.name = "/b", .access = access::kGenericRead});
  FileObject* writeOnly = MustOpen({.name = "/b", .access = access::kWriteData});
  FileObject* appendOnly = MustOpen({.name = "/b", .access = access::kAppendData});
  EXPECT_EQ(Copy(readOnly, Range(both, 0, 0, 3)), NtStatus::AccessDenied);
  EXPECT_EQ(Copy(appendOnly, Range(both, 0, 0, 3)), NtStatus::AccessDenied);
  EXPECT_EQ(Copy(both, Range(writeOnly, 0, 0, 3)), NtStatus::AccessDenied);
  EXPECT_EQ(Copy(writeOnly, Range(both, 0, 0, 3)), NtStatus::Success);
  EXPECT_EQ(fs_->copyCalls.load(), 1);
  for (FileObject* fo : {both, readOnly, writeOnly, appendOnly}) Close(fo);
}

TEST_F(CopyRangeTest, DirectoriesAreRefused) {
  MakeDir("/d");
  FileObject* dir = MustOpen({.name = "/d", .access = access::kGenericRead});
  FileObject* file = MakeFile("/f", "abc");
  EXPECT_EQ(Copy(file, Range(dir, 0, 0, 3)), NtStatus::FileIsADirectory);
  EXPECT_EQ(Copy(dir, Range(file, 0, 0, 3)), NtStatus::FileIsADirectory);
  Close(dir);
  Close(file);
}

TEST_F(CopyRangeTest, OffsetsThatOverflowAreRefused) {
  FileObject* src = MakeFile("/src", "abc");
  FileObject* dst = MakeFile("/dst");
  constexpr uint64_t kMax = INT64_MAX;
  EXPECT_EQ(Copy(dst, Range(src, kMax + 1, 0, 1)), NtStatus::InvalidParameter);
  EXPECT_EQ(Copy(dst, Range(src, 0, kMax + 1, 1)), NtStatus::InvalidParameter);
  EXPECT_EQ(Copy(dst, Range(src, kMax - 1, 0, 2)), NtStatus::InvalidParameter);
  EXPECT_EQ(Copy(dst, Range(src, 0, kMax - 1, 2)), NtStatus::FileTooLarge);
  EXPECT_EQ(Copy(dst, Range(src, 0, 0, UINT64_MAX)), NtStatus::InvalidParameter);
  EXPECT_EQ(fs_->copyCalls.load(), 0);
  Close(src);
  Close(dst);
}

TEST_F(CopyRangeTest, BadInputAndBadSourcesAreRefused) {
  FileObject* src = MakeFile("/src", "abc");
  FileObject* dst = MakeFile("/dst");
  CopyRangeInput in = Range(src, 0, 0, 3);
  EXPECT_EQ(SendCopyRange(volume_, dst, in, nullptr, {.inputLength = sizeof in - 8}),
            NtStatus::InvalidParameter);
  EXPECT_EQ(SendCopyRange(volume_, dst, in, nullptr, {.code = fsctl::kIrpfsCopyRange + 4}),
            NtStatus::InvalidDeviceRequest);
  // Other FSCTLs, also the volume ones that come without a file object.
  EXPECT_EQ(SendIrp(volume_, nullptr, IrpMajor::FileSystemControl, minor::kMountVolume, 0, nullptr),
            NtStatus::InvalidDeviceRequest);
  // The copy itself needs the destination's file object.
  EXPECT_EQ(SendCopyRange(volume_, nullptr, in), NtStatus::InvalidHandle);
  in.flags = 1;
  EXPECT_EQ(Copy(dst, in), NtStatus::InvalidParameter);
  EXPECT_EQ(Copy(dst, Range(nullptr, 0, 0, 3)), NtStatus::InvalidHandle);
  // A file object that never completed a CREATE.
  FileObject* unopened = IoCreateFileObject(volume_);
  EXPECT_EQ(Copy(dst, Range(unopened, 0, 0, 3)), NtStatus::InvalidHandle);
  ObDereferenceObject(unopened);
  // A source whose handle is gone (CLEANUP ran) but that is still referenced.
  ObReferenceObject(src);
  Close(src);
  EXPECT_EQ(Copy(dst, Range(src, 0, 0, 3)), NtStatus::FileClosed);
  ObDereferenceObject(src);
  EXPECT_EQ(fs_->copyCalls.load(), 0);
  Close(dst);
}

TEST_F(CopyRangeTest, AMiniWithoutCopyRangeAnswersInvalidDeviceRequest) {
  fs_->copyUnsupported = true;
  FileObject* src = MakeFile("/src", "abc");
  FileObject* dst = MakeFile("/dst");
  uint64_t copied = 9;
  EXPECT_EQ(Copy(dst, Range(src, 0, 0, 3), &copied), NtStatus::InvalidDeviceRequest);
  EXPECT_EQ(copied, 0u);
  EXPECT_EQ(StatusToErrno(NtStatus::InvalidDeviceRequest), ENOSYS);
  Close(src);
  Close(dst);
}

TEST_F(CopyRangeTest, AnotherVolumesFileIsNotTheSameDevice) {
  DeviceObject* other = nullptr;
  auto otherFs = std::make_shared<TestFs>();
  ASSERT_EQ(FsCreateVolume(driver_, otherFs, VolumeOptions{.name = "other"}, &other),
            NtStatus::Success);
  Opened foreign = CreateOn(other, {.name = "/f",
                                    .access = access::kGenericRead | access::kGenericWrite,
                                    .disposition = D::Create});
  ASSERT_EQ(foreign.status, NtStatus::Success);
  FileObject* dst = MakeFile("/dst");
  EXPECT_EQ(Copy(dst, Range(foreign.fo, 0, 0, 3)), NtStatus::NotSameDevice);
  EXPECT_EQ(StatusToErrno(NtStatus::NotSameDevice), EXDEV);
  EXPECT_EQ(fs_->copyCalls.load(), 0);
  EXPECT_EQ(otherFs->copyCalls.load(), 0);
  Close(dst);
  Close(foreign.fo);
  FsDeleteVolume(other);
}

// An interrupt before the copy starts: nothing is copied and the IRP says so.
TEST_F(CopyRangeTest, AnIrpCancelledBeforehandCopiesNothing) {
  FileObject* src = MakeFile("/src", "abc");
  FileObject* dst = MakeFile("/dst", "xyz");
  uint64_t copied = 9;
  EXPECT_EQ(SendCopyRange(volume_, dst, Range(src, 0, 0, 3), &copied, {.cancelled = true}),
            NtStatus::Cancelled);
  EXPECT_EQ(copied, 0u);
  EXPECT_EQ(fs_->copyCalls.load(), 0);
  EXPECT_EQ(fs_->Content("/dst"), "xyz");
  Close(src);
  Close(dst);
}

// An interrupt during the copy: the mini stops between two pieces, and the IRP completes
// cancelled with the bytes it did copy, which FUSE answers as a short count.
TEST_F(CopyRangeTest, ACancelHalfwayReportsTheBytesCopied) {
  fs_->copyPieceThenCancel = 4;
  FileObject* src = MakeFile("/src", "0123456789");
  FileObject* dst = MakeFile("/dst", "abcdefghij");
  uint64_t copied = 0;
  EXPECT_EQ(Copy(dst, Range(src, 0, 0, 10), &copied), NtStatus::Cancelled);
  EXPECT_EQ(copied, 4u);
  EXPECT_EQ(fs_->Content("/dst"), "0123efghij");
  Close(src);
  Close(dst);
}

class MandatoryLockCopyTest : public CopyRangeTest {
 protected:
  VolumeOptions Options() override { return {.name = "nt", .mandatoryLocks = true}; }
  NtStatus Lock(FileObject* fo, uint64_t offset, uint64_t length, bool exclusive) {
    return Send(fo, IrpMajor::LockControl, minor::kLock,
                sl::kFailImmediately | (exclusive ? sl::kExclusiveLock : 0),
                [&](IoStackLocation* sl) {
                  sl->parameters.lockControl.byteOffset = offset;
                  sl->parameters.lockControl.length = length;
                  sl->parameters.lockControl.owner = 0;
                });
  }
};

TEST_F(MandatoryLockCopyTest, HonoursOtherOpensLocksOnBothFiles) {
  FileObject* src = MakeFile("/src", std::string(100, 's'));
  FileObject* dst = MakeFile("/dst", std::string(100, 'd'));
  FileObject* srcLocker = MustOpen({.name = "/src", .access = access::kGenericRead});
  FileObject* dstLocker = MustOpen({.name = "/dst", .access = access::kGenericRead});
  ASSERT_EQ(Lock(srcLocker, 10, 10, true), NtStatus::Success);
  ASSERT_EQ(Lock(dstLocker, 50, 10, false), NtStatus::Success);
  // Reading the source under another open's exclusive lock, writing the destination
  // under any other open's lock: both conflict, as READ and WRITE would.
  EXPECT_EQ(Copy(dst, Range(src, 15, 0, 5)), NtStatus::FileLockConflict);
  EXPECT_EQ(Copy(dst, Range(src, 0, 55, 5)), NtStatus::FileLockConflict);
  EXPECT_EQ(Copy(dst, Range(src, 20, 0, 30)), NtStatus::Success);
  EXPECT_EQ(fs_->copyCalls.load(), 1);
  for (FileObject* fo : {src, dst, srcLocker, dstLocker}) Close(fo);
}

}  // namespace
}  // namespace irpfs::fsclass::testing
