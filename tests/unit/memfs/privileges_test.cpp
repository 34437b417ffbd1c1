// What memfs takes from a file whose content or owner changes, as Linux does (the FUSE
// mount leaves it to memfs under FUSE_HANDLE_KILLPRIV_V2): file capabilities from every
// writer, set-ID bits from writers without CAP_FSETID (here: not root), and it reports a
// dropped bit on the IRP.
#include <linux/falloc.h>
#include <sys/stat.h>

#include "memfs_fixture.h"

namespace irpfs::memfs::testing {
namespace {

using PrivilegesTest = MemfsTest;

constexpr std::string_view kCaps = "security.capability";
// A version-2 capability set (the content is opaque to memfs).
constexpr char kCapsValue[20] = {0, 0, 0, 2, 0, 4};

void SetMode(MemFs& fs, const OperationContext& ctx, NodeRef node, uint32_t mode) {
  FilePosixInfo info;
  info.valid = posix_valid::kMode;
  info.mode = mode;
  ASSERT_EQ(fs.SetFileInformation(ctx, node, nullptr, info), NtStatus::Success);
}

bool HasCaps(MemFs& fs, const OperationContext& ctx, NodeRef node) {
  char buffer[64];
  uint32_t length = 0;
  return fs.GetEa(ctx, node, kCaps, buffer, sizeof buffer, &length) == NtStatus::Success;
}

TEST_F(PrivilegesTest, AnyWriteDropsFileCapabilities) {
  NodeRef file = MakeFile(root(), "f");
  SetMode(*fs_, ctx_, file, 04755);
  ASSERT_EQ(fs_->SetEa(ctx_, file, kCaps, kCapsValue, sizeof kCapsValue, 0), NtStatus::Success);
  ASSERT_TRUE(HasCaps(*fs_, ctx_, file));
  ctx_.requestor.uid = 0;  // root too: CAP_FSETID keeps set-ID bits, not capabilities
  ASSERT_EQ(Write(file, "x", 0), NtStatus::Success);
  EXPECT_FALSE(HasCaps(*fs_, ctx_, file));
  EXPECT_EQ(Stat(file).mode & 07777, 04755u);
}

TEST_F(PrivilegesTest, TruncateAndChownDropFileCapabilities) {
  NodeRef file = MakeFile(root(), "f");
  FilePosixInfo truncate;
  truncate.valid = posix_valid::kSize;
  truncate.size = 0;
  FilePosixInfo chown;
  chown.valid = posix_valid::kUid;
  chown.uid = 1234;
  for (const FilePosixInfo& change : {truncate, chown}) {
    ASSERT_EQ(fs_->SetEa(ctx_, file, kCaps, kCapsValue, sizeof kCapsValue, 0), NtStatus::Success);
    ASSERT_EQ(fs_->SetFileInformation(ctx_, file, nullptr, change), NtStatus::Success);
    EXPECT_FALSE(HasCaps(*fs_, ctx_, file)) << "valid " << change.valid;
  }
}

TEST_F(PrivilegesTest, SetGroupIdWithoutGroupExecuteGoesOnlyForNonMembers) {
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(Stat(file).gid, 1000u);
  SetMode(*fs_, ctx_, file, 02666);
  ctx_.requestor.gid = 2000;
  ASSERT_EQ(Write(file, "outsider", 0), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 0666u);

  SetMode(*fs_, ctx_, file, 02666);
  ctx_.requestor.gid = 1000;
  ASSERT_EQ(Write(file, "member", 0), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 02666u) << "a member keeps the mandatory-lock marker";
}

// A dropped set-ID bit is reported on the IRP, for the transport to drop the kernel's
// cached mode (the write's reply carries no attributes); nothing dropped, nothing said.
TEST_F(PrivilegesTest, DroppedSetIdBitsAreReportedOnTheIrp) {
  NodeRef file = MakeFile(root(), "f");
  SetMode(*fs_, ctx_, file, 06755);
  Irp irp;
  ctx_.irp = &irp;
  ASSERT_EQ(Write(file, "x", 0), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 0755u);
  EXPECT_TRUE(irp.flags & irp_flag::kAttributesChanged);

  irp.flags = 0;
  ASSERT_EQ(Write(file, "y", 1), NtStatus::Success);
  EXPECT_FALSE(irp.flags & irp_flag::kAttributesChanged) << "no bit left to drop";

  ctx_.requestor.uid = 0;
  SetMode(*fs_, ctx_, file, 06755);
  irp.flags = 0;
  ASSERT_EQ(Write(file, "z", 2), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 06755u);
  EXPECT_FALSE(irp.flags & irp_flag::kAttributesChanged) << "root keeps the bits (CAP_FSETID)";
}

// The sender's word on the writer's CAP_FSETID (FUSE_WRITE_KILL_SUIDGID, see
// rw_flag::kDropSetId) overrides the guess from the requestor's uid, both ways.
TEST_F(PrivilegesTest, TheSendersWordOnCapFsetidDecides) {
  NodeRef file = MakeFile(root(), "f");
  Irp irp;
  ctx_.irp = &irp;
  ctx_.requestor.uid = 0;
  ctx_.setIdOnWrite = fsclass::SetIdOnWrite::kDrop;  // root without CAP_FSETID
  SetMode(*fs_, ctx_, file, 06755);
  ASSERT_EQ(Write(file, "x", 0), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 0755u);
  EXPECT_TRUE(irp.flags & irp_flag::kAttributesChanged);

  ctx_.requestor.uid = 1000;
  ctx_.setIdOnWrite = fsclass::SetIdOnWrite::kKeep;  // a user granted CAP_FSETID
  SetMode(*fs_, ctx_, file, 06755);
  ASSERT_EQ(fs_->SetEa(ctx_, file, kCaps, kCapsValue, sizeof kCapsValue, 0), NtStatus::Success);
  irp.flags = 0;
  ASSERT_EQ(Write(file, "y", 1), NtStatus::Success);
  EXPECT_EQ(Stat(file).mode & 07777, 06755u);
  EXPECT_FALSE(irp.flags & irp_flag::kAttributesChanged);
  EXPECT_FALSE(HasCaps(*fs_, ctx_, file)) << "file capabilities go whoever writes";
}

// As Linux's file systems (file_modified): fallocate takes what a write takes. Under
// FUSE_HANDLE_KILLPRIV_V2 the kernel leaves this to the file system.
TEST_F(PrivilegesTest, FallocateDropsWhatAWriteDrops) {
  NodeRef file = MakeFile(root(), "f");
  Irp irp;
  ctx_.irp = &irp;
  for (uint32_t mode : {0u, static_cast<uint32_t>(FALLOC_FL_KEEP_SIZE)}) {
    SetMode(*fs_, ctx_, file, 06755);
    ASSERT_EQ(fs_->SetEa(ctx_, file, kCaps, kCapsValue, sizeof kCapsValue, 0), NtStatus::Success);
    irp.flags = 0;
    ASSERT_EQ(fs_->Allocate(ctx_, file, nullptr, 0, 8192, mode), NtStatus::Success);
    EXPECT_EQ(Stat(file).mode & 07777, 0755u) << "fallocate mode " << mode;
    EXPECT_FALSE(HasCaps(*fs_, ctx_, file)) << "fallocate mode " << mode;
    EXPECT_TRUE(irp.flags & irp_flag::kAttributesChanged) << "fallocate mode " << mode;
  }
}

}  // namespace
}  // namespace irpfs::memfs::testing
