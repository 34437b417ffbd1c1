// COPY_FILE_RANGE and COPY_FILE_RANGE_64: one FSCTL_IRPFS_COPY_RANGE IRP to the
// destination's FileObject naming the source's, answered in the reply each opcode wants.
#include <fcntl.h>

#include <atomic>
#include <string>

#include "core/fsctl.h"
#include "core/io_manager.h"
#include "dispatch_harness.h"

namespace irpfs::fuse::testing {
namespace {

// A filter above memfs that plays a FUSE_INTERRUPT arriving during a copy: with `partial`
// set it answers the copy itself as a mini stopped halfway (STATUS_CANCELLED and the bytes
// done), else it sends the copy down already cancelled.
struct InterruptExtension {
  DeviceObject* lower = nullptr;
  std::atomic<uint64_t> partial{0};
};

NtStatus InterruptPassDown(DeviceObject* device, Irp* irp) {
  IoSkipCurrentIrpStackLocation(irp);
  return IoCallDriver(device->Extension<InterruptExtension>()->lower, irp);
}

NtStatus InterruptCopy(DeviceObject* device, Irp* irp) {
  const FileSystemControlParameters& p =
      IoGetCurrentIrpStackLocation(irp)->parameters.fileSystemControl;
  if (p.fsControlCode == fsctl::kIrpfsCopyRange) {
    uint64_t partial = device->Extension<InterruptExtension>()->partial.load();
    if (partial > 0) return IoCompleteWith(irp, NtStatus::Cancelled, partial);
    irp->cancel.store(true);
  }
  return InterruptPassDown(device, irp);
}

NtStatus InterruptEntry(DriverObject* driver, std::string_view) {
  for (DispatchRoutine& routine : driver->majorFunction) routine = &InterruptPassDown;
  driver->majorFunction[static_cast<int>(IrpMajor::FileSystemControl)] = &InterruptCopy;
  return NtStatus::Success;
}

class CopyDispatchTest : public DispatchTest {
 protected:
  Answer Copy(uint64_t srcNode, uint64_t srcFh, uint64_t from, uint64_t dstNode, uint64_t dstFh,
              uint64_t to, uint64_t length, bool wide, uint64_t flags = 0) {
    RequestContext ctx = Ctx(wide ? Opcode::kCopyFileRange64 : Opcode::kCopyFileRange, srcNode);
    fuse_copy_file_range_in in{};
    in.fh_in = srcFh;
    in.off_in = from;
    in.nodeid_out = dstNode;
    in.fh_out = dstFh;
    in.off_out = to;
    in.len = length;
    in.flags = flags;
    if (wide) {
      dispatcher().CopyFileRange64(ctx, in, NewReply(ctx));
    } else {
      dispatcher().CopyFileRange(ctx, in, NewReply(ctx));
    }
    return Receive();
  }
};

TEST_F(CopyDispatchTest, NarrowAndWideRepliesCarryTheBytesCopied) {
  uint64_t src, srcFh, dst, dstFh;
  MustCreate(kRootId, "src", &src, &srcFh);
  MustCreate(kRootId, "dst", &dst, &dstFh);
  ASSERT_EQ(Write(src, srcFh, 0, "hello world").error, 0);

  Answer narrow = Copy(src, srcFh, 6, dst, dstFh, 0, 100, false);
  ASSERT_EQ(narrow.error, 0);
  ASSERT_EQ(narrow.payload.size(), sizeof(fuse_write_out));
  EXPECT_EQ(narrow.As<fuse_write_out>().size, 5u);
  EXPECT_EQ(Read(dst, dstFh, 0, 100).Text(), "world");

  Answer wide = Copy(src, srcFh, 0, dst, dstFh, 5, uint64_t{8} << 30, true);
  ASSERT_EQ(wide.error, 0);
  ASSERT_EQ(wide.payload.size(), sizeof(fuse_copy_file_range_out));
  EXPECT_EQ(wide.As<fuse_copy_file_range_out>().bytes_copied, 11u);
  EXPECT_EQ(Read(dst, dstFh, 0, 100).Text(), "worldhello world");
  EXPECT_EQ(Getattr(dst).As<fuse_attr_out>().attr.size, 16u);

  // Past the source's end: nothing, no error.
  EXPECT_EQ(Copy(src, srcFh, 50, dst, dstFh, 0, 10, false).As<fuse_write_out>().size, 0u);
  EXPECT_EQ(Release(src, srcFh).error, 0);
  EXPECT_EQ(Release(dst, dstFh).error, 0);
  EXPECT_EQ(dispatcher().OperationsInFlight(), 0u);
}

TEST_F(CopyDispatchTest, RefusalsBecomeTheirErrnos) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  ASSERT_EQ(Write(file, fh, 0, "0123456789").error, 0);
  // Overlap within one file, and flags copy_file_range(2) does not define: EINVAL.
  EXPECT_EQ(Copy(file, fh, 0, file, fh, 5, 6, true).error, EINVAL);
  EXPECT_EQ(Copy(file, fh, 0, file, fh, 10, 5, true, 1).error, EINVAL);
  EXPECT_EQ(Copy(file, fh, 0, file, fh, 10, 5, true, uint64_t{1} << 40).error, EINVAL);
  // Stale handles: EBADF.
  EXPECT_EQ(Copy(file, fh + 1000, 0, file, fh, 20, 5, false).error, EBADF);
  EXPECT_EQ(Copy(file, fh, 0, file, fh + 1000, 20, 5, false).error, EBADF);
  // A read-only destination, a write-only source: EACCES.
  uint64_t ro = MustOpen(file, O_RDONLY);
  uint64_t wo = MustOpen(file, O_WRONLY);
  EXPECT_EQ(Copy(file, fh, 0, file, ro, 20, 5, false).error, EACCES);
  EXPECT_EQ(Copy(file, wo, 0, file, fh, 20, 5, false).error, EACCES);
  // Adjacent ranges of one file through two opens.
  EXPECT_EQ(Copy(file, ro, 0, file, wo, 10, 10, false).As<fuse_write_out>().size, 10u);
  EXPECT_EQ(Read(file, fh, 0, 100).Text(), "01234567890123456789");
  for (uint64_t handle : {fh, ro, wo}) EXPECT_EQ(Release(file, handle).error, 0);
  EXPECT_EQ(dispatcher().handles().OpenCount(), 0u);
  EXPECT_EQ(dispatcher().OperationsInFlight(), 0u);
}

class InterruptedCopyTest : public CopyDispatchTest {
 protected:
  void SetUp() override {
    CopyDispatchTest::SetUp();
    ext_ = AttachFilter<InterruptExtension>("interrupt", &InterruptEntry);
    ASSERT_NE(ext_, nullptr);
  }
  void TearDown() override {
    DetachFilter();
    CopyDispatchTest::TearDown();
  }

  InterruptExtension* ext_ = nullptr;
};

TEST_F(InterruptedCopyTest, NothingCopiedIsEintr) {
  uint64_t src, srcFh, dst, dstFh;
  MustCreate(kRootId, "src", &src, &srcFh);
  MustCreate(kRootId, "dst", &dst, &dstFh);
  ASSERT_EQ(Write(src, srcFh, 0, "hello").error, 0);
  EXPECT_EQ(Copy(src, srcFh, 0, dst, dstFh, 0, 5, false).error, EINTR);
  EXPECT_EQ(Copy(src, srcFh, 0, dst, dstFh, 0, 5, true).error, EINTR);
  EXPECT_EQ(Read(dst, dstFh, 0, 100).Text(), "");
  EXPECT_EQ(Release(src, srcFh).error, 0);
  EXPECT_EQ(Release(dst, dstFh).error, 0);
  EXPECT_EQ(dispatcher().OperationsInFlight(), 0u);
}

TEST_F(InterruptedCopyTest, APartialCopyIsAShortCount) {
  uint64_t src, srcFh, dst, dstFh;
  MustCreate(kRootId, "src", &src, &srcFh);
  MustCreate(kRootId, "dst", &dst, &dstFh);
  ext_->partial = 3;
  Answer narrow = Copy(src, srcFh, 0, dst, dstFh, 0, 5, false);
  ASSERT_EQ(narrow.error, 0);
  EXPECT_EQ(narrow.As<fuse_write_out>().size, 3u);
  Answer wide = Copy(src, srcFh, 0, dst, dstFh, 0, 5, true);
  ASSERT_EQ(wide.error, 0);
  EXPECT_EQ(wide.As<fuse_copy_file_range_out>().bytes_copied, 3u);
  EXPECT_EQ(Release(src, srcFh).error, 0);
  EXPECT_EQ(Release(dst, dstFh).error, 0);
  EXPECT_EQ(dispatcher().OperationsInFlight(), 0u);
}

}  // namespace
}  // namespace irpfs::fuse::testing
