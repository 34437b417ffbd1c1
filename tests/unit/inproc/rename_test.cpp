// Renames: MoveFileEx and SetFileRename, with and without replacing the target.
#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

class RenameTest : public MemfsTest {
 protected:
  void SetUp() override {
    MemfsTest::SetUp();
    MakeFile("/from", "source");
    MakeFile("/to", "target");
    ASSERT_TRUE(client_->CreateDirectory("/dir"));
  }
};

TEST_F(RenameTest, MoveToAFreeName) {
  ASSERT_TRUE(client_->MoveFileEx("/from", "/dir/moved", 0));
  EXPECT_EQ(
      Content(),
      (VolumeContent{{"/dir", "dir"}, {"/dir/moved", "file:source"}, {"/to", "file:target"}}));
}

TEST_F(RenameTest, NoReplaceKeepsTheTarget) {
  VolumeContent before = Content();
  EXPECT_FALSE(client_->MoveFileEx("/from", "/to", 0));
  EXPECT_EQ(GetLastNtStatus(), NtStatus::ObjectNameCollision);
  EXPECT_EQ(GetLastError(), ERROR_ALREADY_EXISTS);
  EXPECT_EQ(Content(), before);
}

TEST_F(RenameTest, ReplaceExisting) {
  ASSERT_TRUE(client_->MoveFileEx("/from", "/to", MOVEFILE_REPLACE_EXISTING));
  EXPECT_EQ(Content(), (VolumeContent{{"/dir", "dir"}, {"/to", "file:source"}}));
}

TEST_F(RenameTest, MissingSourceOrTargetDirectory) {
  VolumeContent before = Content();
  EXPECT_FALSE(client_->MoveFileEx("/absent", "/x", 0));
  EXPECT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
  EXPECT_FALSE(client_->MoveFileEx("/from", "/nodir/x", 0));
  EXPECT_EQ(GetLastError(), ERROR_PATH_NOT_FOUND);
  EXPECT_FALSE(client_->MoveFileEx("/from", "/to", 0x80));  // unknown flag
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_EQ(Content(), before);
}

TEST_F(RenameTest, RenameAnOpenFileThroughItsHandle) {
  Handle h = client_->CreateFile("/from", access::kGenericRead | access::kDelete, share::kAll,
                                 OPEN_EXISTING, 0);
  ASSERT_NE(h, kInvalidHandleValue);
  EXPECT_FALSE(client_->SetFileRename(h, "/to", false));
  EXPECT_EQ(GetLastError(), ERROR_ALREADY_EXISTS);
  ASSERT_TRUE(client_->SetFileRename(h, "/renamed", false));
  // The open follows the file.
  char buffer[6];
  uint32_t n = 0;
  EXPECT_TRUE(client_->ReadFileAt(h, buffer, sizeof(buffer), 0, &n));
  EXPECT_EQ(std::string_view(buffer, n), "source");
  ASSERT_TRUE(client_->SetFileRename(h, "/to", true));
  EXPECT_TRUE(client_->CloseHandle(h));
  EXPECT_EQ(Content(), (VolumeContent{{"/dir", "dir"}, {"/to", "file:source"}}));
}

TEST_F(RenameTest, RenameNeedsDeleteAccess) {
  Handle h = client_->CreateFile("/from", access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  ASSERT_NE(h, kInvalidHandleValue);
  EXPECT_FALSE(client_->SetFileRename(h, "/elsewhere", false));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_TRUE(client_->CloseHandle(h));
  EXPECT_TRUE(Exists("/from"));
}

TEST_F(RenameTest, RenameADirectoryWithItsContents) {
  MakeFile("/dir/inner", "in");
  ASSERT_TRUE(client_->MoveFileEx("/dir", "/dir2", 0));
  EXPECT_EQ(ReadAll("/dir2/inner"), "in");
  EXPECT_FALSE(Exists("/dir"));
}

}  // namespace
}  // namespace irpfs::inproc::testing
