#include <cstring>

#include "memfs_fixture.h"

namespace irpfs::memfs::testing {
namespace {

using XattrTest = MemfsTest;

std::string GetValue(MemFs& fs, const OperationContext& ctx, NodeRef node, std::string_view name,
                     NtStatus expected = NtStatus::Success) {
  char buffer[256];
  uint32_t length = 0;
  EXPECT_EQ(fs.GetEa(ctx, node, name, buffer, sizeof buffer, &length), expected);
  return NtSuccess(expected) ? std::string(buffer, length) : std::string();
}

TEST_F(XattrTest, SetGetListRemove) {
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(fs_->SetEa(ctx_, file, "user.color", "blue", 4, 0), NtStatus::Success);
  ASSERT_EQ(fs_->SetEa(ctx_, file, "trusted.t", "1", 1, 0), NtStatus::Success);
  ASSERT_EQ(fs_->SetEa(ctx_, file, "security.s", "", 0, 0), NtStatus::Success);
  EXPECT_EQ(GetValue(*fs_, ctx_, file, "user.color"), "blue");
  EXPECT_EQ(GetValue(*fs_, ctx_, file, "security.s"), "");
  uint32_t emptyLength = 99;
  EXPECT_EQ(fs_->GetEa(ctx_, file, "security.s", nullptr, 0, &emptyLength), NtStatus::Success);
  EXPECT_EQ(emptyLength, 0u);

  char list[256];
  uint32_t length = 0;
  ASSERT_EQ(fs_->ListEa(ctx_, file, list, sizeof list, &length), NtStatus::Success);
  EXPECT_EQ(std::string(list, length), std::string("security.s\0trusted.t\0user.color\0", 32));

  ASSERT_EQ(fs_->SetEa(ctx_, file, "user.color", nullptr, 0, ea_flag::kRemove), NtStatus::Success);
  GetValue(*fs_, ctx_, file, "user.color", NtStatus::NonexistentEaEntry);
  EXPECT_EQ(fs_->SetEa(ctx_, file, "user.color", nullptr, 0, ea_flag::kRemove),
            NtStatus::NonexistentEaEntry);
}

TEST_F(XattrTest, CreateAndReplaceFlags) {
  NodeRef file = MakeFile(root(), "f");
  EXPECT_EQ(fs_->SetEa(ctx_, file, "user.a", "1", 1, ea_flag::kReplace),
            NtStatus::NonexistentEaEntry);
  ASSERT_EQ(fs_->SetEa(ctx_, file, "user.a", "1", 1, ea_flag::kCreate), NtStatus::Success);
  EXPECT_EQ(fs_->SetEa(ctx_, file, "user.a", "2", 1, ea_flag::kCreate),
            NtStatus::ObjectNameCollision);
  EXPECT_EQ(GetValue(*fs_, ctx_, file, "user.a"), "1");
  ASSERT_EQ(fs_->SetEa(ctx_, file, "user.a", "22", 2, ea_flag::kReplace), NtStatus::Success);
  EXPECT_EQ(GetValue(*fs_, ctx_, file, "user.a"), "22");
  ASSERT_EQ(fs_->SetEa(ctx_, file, "user.a", "333", 3, 0), NtStatus::Success);
  EXPECT_EQ(GetValue(*fs_, ctx_, file, "user.a"), "333");
}

TEST_F(XattrTest, SmallBuffersReportTheNeededLength) {
  NodeRef file = MakeFile(root(), "f");
  ASSERT_EQ(fs_->SetEa(ctx_, file, "user.long", "0123456789", 10, 0), NtStatus::Success);
  char buffer[4];
  uint32_t length = 0;
  EXPECT_EQ(fs_->GetEa(ctx_, file, "user.long", buffer, sizeof buffer, &length),
            NtStatus::BufferTooSmall);
  EXPECT_EQ(length, 10u);
  EXPECT_EQ(fs_->GetEa(ctx_, file, "user.long", nullptr, 0, &length), NtStatus::BufferTooSmall);
  EXPECT_EQ(length, 10u);
  EXPECT_EQ(fs_->ListEa(ctx_, file, buffer, sizeof buffer, &length), NtStatus::BufferTooSmall);
  EXPECT_EQ(length, 10u);  // "user.long\0"
}

TEST_F(XattrTest, ValueSizeLimitIs64KiB) {
  NodeRef file = MakeFile(root(), "f");
  std::string big(kMaxXattrValueLength, 'v');
  ASSERT_EQ(fs_->SetEa(ctx_, file, "user.big", big.data(), kMaxXattrValueLength, 0),
            NtStatus::Success);
  std::string tooBig(kMaxXattrValueLength + 1, 'v');
  EXPECT_EQ(fs_->SetEa(ctx_, file, "user.big", tooBig.data(), kMaxXattrValueLength + 1, 0),
            NtStatus::EaTooLarge);
  std::string back(kMaxXattrValueLength, '\0');
  uint32_t length = 0;
  ASSERT_EQ(fs_->GetEa(ctx_, file, "user.big", back.data(), kMaxXattrValueLength, &length),
            NtStatus::Success);
  EXPECT_EQ(back, big);
}

TEST_F(XattrTest, NamesNeedAKnownNamespace) {
  NodeRef file = MakeFile(root(), "f");
  EXPECT_EQ(fs_->SetEa(ctx_, file, "plain", "v", 1, 0), NtStatus::NotSupported);
  EXPECT_EQ(fs_->SetEa(ctx_, file, "system.posix_acl_access", "v", 1, 0), NtStatus::NotSupported);
  EXPECT_EQ(fs_->SetEa(ctx_, file, "user.", "v", 1, 0), NtStatus::InvalidEaName);
  EXPECT_EQ(fs_->SetEa(ctx_, file, "", "v", 1, 0), NtStatus::InvalidEaName);
  EXPECT_EQ(fs_->SetEa(ctx_, file, "user." + std::string(251, 'n'), "v", 1, 0),
            NtStatus::InvalidEaName);
}

TEST_F(XattrTest, UserNamespaceIsForFilesAndDirectoriesOnly) {
  NodeRef link = Make(root(), "l", S_IFLNK | 0777, "target");
  EXPECT_EQ(fs_->SetEa(ctx_, link, "user.x", "v", 1, 0), NtStatus::NotPermitted);
  EXPECT_EQ(fs_->SetEa(ctx_, link, "trusted.x", "v", 1, 0), NtStatus::Success);
  EXPECT_EQ(fs_->SetEa(ctx_, root(), "user.x", "v", 1, 0), NtStatus::Success);
}

TEST_F(XattrTest, SetChangesCtimeAndChargesCapacity) {
  NodeRef file = MakeFile(root(), "f");
  FileTimeSpec before = Stat(file).ctime;
  uint64_t bytesBefore = fs_->capacity().usedBytes();
  FileTimeSpec start = Now();
  while (Now() == start) {
  }
  ASSERT_EQ(fs_->SetEa(ctx_, file, "user.k", "value", 5, 0), NtStatus::Success);
  EXPECT_NE(Stat(file).ctime, before);
  EXPECT_EQ(fs_->capacity().usedBytes(), bytesBefore + 6 + 5);
  ASSERT_EQ(fs_->SetEa(ctx_, file, "user.k", "v", 1, 0), NtStatus::Success);
  EXPECT_EQ(fs_->capacity().usedBytes(), bytesBefore + 6 + 1);
  ASSERT_EQ(fs_->SetEa(ctx_, file, "user.k", nullptr, 0, ea_flag::kRemove), NtStatus::Success);
  EXPECT_EQ(fs_->capacity().usedBytes(), bytesBefore);
}

}  // namespace
}  // namespace irpfs::memfs::testing
