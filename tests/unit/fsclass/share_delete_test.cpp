// Share modes, delete-on-close, delete disposition, closed handles.
#include "fsclass_harness.h"

namespace irpfs::fsclass::testing {
namespace {

using D = CreateDisposition;

class ShareTest : public FsClassTest {};

TEST_F(ShareTest, ConflictingShareModesAreSharingViolations) {
  Close(MakeFile("/f"));
  FileObject* reader =
      MustOpen({.name = "/f", .access = access::kGenericRead, .share = share::kRead});
  // A writer conflicts with the reader's share mode (no write sharing).
  EXPECT_EQ(Create({.name = "/f", .access = access::kGenericWrite}).status,
            NtStatus::SharingViolation);
  // A reader that will not share reading conflicts with the existing reader.
  EXPECT_EQ(Create({.name = "/f", .access = access::kGenericRead, .share = share::kWrite}).status,
            NtStatus::SharingViolation);
  // Another reader sharing read is fine.
  FileObject* reader2 = MustOpen({.name = "/f", .share = share::kRead});
  // An open asking only attributes takes no share access.
  FileObject* stat = MustOpen({.name = "/f", .access = access::kReadAttributes, .share = 0});
  Close(reader2);
  Close(stat);
  Close(reader);
  // With everyone gone the writer gets in.
  FileObject* writer = MustOpen({.name = "/f", .access = access::kGenericWrite, .share = 0});
  EXPECT_EQ(Create({.name = "/f", .access = access::kGenericRead}).status,
            NtStatus::SharingViolation);
  Close(writer);
}

TEST_F(ShareTest, DeleteAccessNeedsShareDelete) {
  Close(MakeFile("/f"));
  FileObject* reader = MustOpen({.name = "/f", .share = share::kRead | share::kWrite});
  EXPECT_EQ(Create({.name = "/f", .access = access::kDelete}).status, NtStatus::SharingViolation);
  Close(reader);
}

class DeleteTest : public FsClassTest {};

TEST_F(DeleteTest, DeleteOnCloseWaitsForLastHandle) {
  Close(MakeFile("/f", "data"));
  FileObject* first = MustOpen({.name = "/f"});
  FileObject* doomed = MustOpen({.name = "/f",
                                 .access = access::kGenericRead | access::kDelete,
                                 .options = create_option::kDeleteOnClose});
  ObOpenHandle(doomed);  // a second handle on the same file object
  ObCloseHandle(doomed);
  EXPECT_TRUE(fs_->Exists("/f"));  // the file object still has a handle
  ObCloseHandle(doomed);
  // Its cleanup made the delete pending; another open still holds the file.
  EXPECT_TRUE(fs_->Exists("/f"));
  EXPECT_EQ(Create({.name = "/f"}).status, NtStatus::DeletePending);
  FileStandardInfo standard;
  EXPECT_EQ(QueryInfo(first, FileInformationClass::FileStandardInformation, &standard),
            NtStatus::Success);
  EXPECT_TRUE(standard.deletePending);
  Close(first);
  EXPECT_FALSE(fs_->Exists("/f"));
}

TEST_F(DeleteTest, DispositionDeletesAtLastCleanup) {
  Close(MakeFile("/f"));
  FileObject* fo = MustOpen({.name = "/f", .access = access::kDelete});
  FileObject* other = MustOpen({.name = "/f", .access = access::kReadAttributes});
  EXPECT_EQ(SetInfo(fo, FileInformationClass::FileDispositionInformation,
                    FileDispositionInfo{disposition_flag::kDelete}),
            NtStatus::Success);
  Close(fo);
  EXPECT_TRUE(fs_->Exists("/f"));
  Close(other);
  EXPECT_FALSE(fs_->Exists("/f"));
}

TEST_F(DeleteTest, DispositionCanBeCleared) {
  Close(MakeFile("/f"));
  FileObject* fo = MustOpen({.name = "/f", .access = access::kDelete});
  EXPECT_EQ(SetInfo(fo, FileInformationClass::FileDispositionInformation,
                    FileDispositionInfo{disposition_flag::kDelete}),
            NtStatus::Success);
  EXPECT_EQ(SetInfo(fo, FileInformationClass::FileDispositionInformation,
                    FileDispositionInfo{disposition_flag::kDoNotDelete}),
            NtStatus::Success);
  Close(fo);
  EXPECT_TRUE(fs_->Exists("/f"));
}

TEST_F(DeleteTest, DispositionNeedsDeleteAccess) {
  Close(MakeFile("/f"));
  FileObject* fo = MustOpen({.name = "/f", .access = access::kGenericRead});
  EXPECT_EQ(SetInfo(fo, FileInformationClass::FileDispositionInformation,
                    FileDispositionInfo{disposition_flag::kDelete}),
            NtStatus::AccessDenied);
  Close(fo);
}

TEST_F(DeleteTest, NonEmptyDirectoryCannotBeDeleted) {
  MakeDir("/d");
  Close(MakeFile("/d/x"));
  FileObject* d = MustOpen({.name = "/d", .access = access::kDelete});
  EXPECT_EQ(SetInfo(d, FileInformationClass::FileDispositionInformation,
                    FileDispositionInfo{disposition_flag::kDelete}),
            NtStatus::DirectoryNotEmpty);
  Close(d);
  EXPECT_TRUE(fs_->Exists("/d"));
}

TEST_F(DeleteTest, PosixDeleteRemovesNameNowAndHandleKeepsWorking) {
  FileObject* fo = MakeFile("/f", "hello");
  FileObject* deleter = MustOpen({.name = "/f", .access = access::kDelete});
  EXPECT_EQ(
      SetInfo(deleter, FileInformationClass::FileDispositionInformationEx,
              FileDispositionInfo{disposition_flag::kDelete | disposition_flag::kPosixSemantics}),
      NtStatus::Success);
  EXPECT_FALSE(fs_->Exists("/f"));
  std::string data;
  EXPECT_EQ(Read(fo, 0, 16, &data), NtStatus::Success);
  EXPECT_EQ(data, "hello");
  // The name is free again.
  Close(MakeFile("/f"));
  Close(deleter);
  Close(fo);
  EXPECT_TRUE(fs_->Exists("/f"));
}

TEST_F(DeleteTest, EachHardLinkIsDeletedOnItsOwn) {
  FileObject* keeper = MakeFile("/a", "x");  // keeps the FCB alive throughout
  FileRenameInfo link{0, nullptr, "/b"};
  ASSERT_EQ(SetInfo(keeper, FileInformationClass::FileLinkInformation, link), NtStatus::Success);
  // POSIX delete of one name, then of the other, through opens of the same FCB.
  for (const char* name : {"/b", "/a"}) {
    FileObject* d = MustOpen({.name = name, .access = access::kDelete});
    EXPECT_EQ(
        SetInfo(d, FileInformationClass::FileDispositionInformationEx,
                FileDispositionInfo{disposition_flag::kDelete | disposition_flag::kPosixSemantics}),
        NtStatus::Success)
        << name;
    Close(d);
    EXPECT_FALSE(fs_->Exists(name)) << name;
  }
  Close(keeper);
}

TEST_F(DeleteTest, NtDeleteOfOneLinkLeavesTheOtherOpenable) {
  FileObject* keeper = MakeFile("/a", "x");
  FileRenameInfo link{0, nullptr, "/b"};
  ASSERT_EQ(SetInfo(keeper, FileInformationClass::FileLinkInformation, link), NtStatus::Success);
  ObReferenceObject(keeper);  // the FCB outlives the handle
  Close(keeper);
  Close(MustOpen(
      {.name = "/a", .access = access::kDelete, .options = create_option::kDeleteOnClose}));
  EXPECT_FALSE(fs_->Exists("/a"));
  Opened b = Create({.name = "/b"});
  EXPECT_EQ(b.status, NtStatus::Success);
  Close(b.fo);
  ObDereferenceObject(keeper);
}

TEST_F(DeleteTest, RootCannotBeDeleted) {
  EXPECT_EQ(
      Create({.name = "/", .access = access::kDelete, .options = create_option::kDeleteOnClose})
          .status,
      NtStatus::CannotDelete);
}

class ClosedHandleTest : public FsClassTest {};

TEST_F(ClosedHandleTest, IoAfterCleanupIsFileClosed) {
  FileObject* fo = MakeFile("/f", "abc");
  ObReferenceObject(fo);  // an IRP-like reference outlives the handle
  ObCloseHandle(fo);      // CLEANUP runs now; CLOSE waits for the reference
  std::string data;
  EXPECT_EQ(Read(fo, 0, 3, &data), NtStatus::FileClosed);
  EXPECT_EQ(Write(fo, 0, "x"), NtStatus::FileClosed);
  FileStat stat;
  EXPECT_EQ(QueryInfo(fo, FileInformationClass::FileStatInformation, &stat), NtStatus::FileClosed);
  EXPECT_EQ(Create({.name = "", .related = fo}).status, NtStatus::FileClosed);
  ObDereferenceObject(fo);  // CLOSE
}

TEST_F(ClosedHandleTest, IrpWithoutOpenIsInvalidHandle) {
  std::string data;
  EXPECT_EQ(Read(nullptr, 0, 3, &data), NtStatus::InvalidHandle);
}

}  // namespace
}  // namespace irpfs::fsclass::testing
