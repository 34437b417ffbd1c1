// IRP_MJ_CREATE: dispositions, names, types, access, related opens.
#include <fcntl.h>
#include <sys/stat.h>

#include "fsclass_harness.h"

namespace irpfs::fsclass::testing {
namespace {

using D = CreateDisposition;

class CreateTest : public FsClassTest {};

struct DispositionCase {
  D disposition;
  NtStatus statusIfExists;
  uint64_t actionIfExists;
  NtStatus statusIfMissing;
  uint64_t actionIfMissing;
};

TEST_F(CreateTest, EveryDispositionAgainstExistingAndMissing) {
  const DispositionCase cases[] = {
      {D::Open, NtStatus::Success, 1, NtStatus::ObjectNameNotFound, 0},
      {D::Create, NtStatus::ObjectNameCollision, 0, NtStatus::Success, 2},
      {D::OpenIf, NtStatus::Success, 1, NtStatus::Success, 2},
      {D::Overwrite, NtStatus::Success, 3, NtStatus::ObjectNameNotFound, 0},
      {D::OverwriteIf, NtStatus::Success, 3, NtStatus::Success, 2},
      {D::Supersede, NtStatus::Success, 0, NtStatus::Success, 2},
  };
  int i = 0;
  for (const DispositionCase& c : cases) {
    std::string existing = "/existing" + std::to_string(i);
    std::string missing = "/missing" + std::to_string(i++);
    Close(MakeFile(existing, "some content"));
    uint32_t access = access::kGenericRead | access::kGenericWrite;

    Opened e = Create({.name = existing, .access = access, .disposition = c.disposition});
    EXPECT_EQ(e.status, c.statusIfExists) << static_cast<int>(c.disposition);
    if (NtSuccess(e.status)) {
      EXPECT_EQ(e.info, c.actionIfExists) << static_cast<int>(c.disposition);
      bool truncates = c.actionIfExists == 3 || c.disposition == D::Supersede;
      EXPECT_EQ(fs_->Content(existing), truncates ? "" : "some content");
      Close(e.fo);
    }
    Opened m = Create({.name = missing, .access = access, .disposition = c.disposition});
    EXPECT_EQ(m.status, c.statusIfMissing) << static_cast<int>(c.disposition);
    EXPECT_EQ(fs_->Exists(missing), NtSuccess(c.statusIfMissing));
    if (NtSuccess(m.status)) {
      EXPECT_EQ(m.info, c.actionIfMissing);
    }
    Close(m.fo);
  }
}

TEST_F(CreateTest, BadNamesAreRejected) {
  MakeDir("/d");
  const std::pair<std::string, NtStatus> cases[] = {
      {"", NtStatus::ObjectNameInvalid},
      {"relative", NtStatus::ObjectNameInvalid},
      {"/d//x", NtStatus::ObjectNameInvalid},
      {"/d/./x", NtStatus::ObjectNameInvalid},
      {"/d/../x", NtStatus::ObjectNameInvalid},
      {"/..", NtStatus::ObjectNameInvalid},
      {std::string("/d/a\0b", 6), NtStatus::ObjectNameInvalid},
      {"/" + std::string(256, 'n'), NtStatus::NameTooLong},
      {"/nodir/x", NtStatus::ObjectPathNotFound},
  };
  for (const auto& [name, status] : cases) {
    EXPECT_EQ(Create({.name = name, .disposition = D::OpenIf}).status, status) << name;
  }
  // 255 bytes is fine.
  Opened ok = Create({.name = "/" + std::string(255, 'n'), .disposition = D::Create});
  EXPECT_EQ(ok.status, NtStatus::Success);
  Close(ok.fo);
}

TEST_F(CreateTest, IntermediateFileIsPathNotFound) {
  Close(MakeFile("/f"));
  EXPECT_EQ(Create({.name = "/f/x", .disposition = D::OpenIf}).status,
            NtStatus::ObjectPathNotFound);
}

TEST_F(CreateTest, DirectoryAndNonDirectoryOptions) {
  MakeDir("/d");
  Close(MakeFile("/f"));
  EXPECT_EQ(Create({.name = "/f", .options = create_option::kDirectoryFile}).status,
            NtStatus::NotADirectory);
  EXPECT_EQ(Create({.name = "/f/"}).status, NtStatus::NotADirectory);
  EXPECT_EQ(Create({.name = "/d", .options = create_option::kNonDirectoryFile}).status,
            NtStatus::FileIsADirectory);
  EXPECT_EQ(
      Create({.name = "/d", .access = access::kGenericWrite, .disposition = D::Overwrite}).status,
      NtStatus::FileIsADirectory);
  Opened d = Create({.name = "/d/"});
  ASSERT_EQ(d.status, NtStatus::Success);
  EXPECT_TRUE(d.fo->flags & fo_flag::kDirectory);
  Close(d.fo);
  EXPECT_TRUE(S_ISDIR(fs_->ModeOf("/d")));
}

// The mini learns from O_CREAT that this open made the node (its creator may open it
// whatever its mode), not from the caller's flags.
TEST_F(CreateTest, OpenSeesCreateOnlyWhenThisCreateMadeTheNode) {
  uint32_t flags = O_CREAT | O_EXCL | O_RDWR;
  Opened made = Create({.name = "/f", .disposition = D::Create, .openFlags = flags});
  ASSERT_EQ(made.status, NtStatus::Success);
  EXPECT_EQ(fs_->lastOpenFlags.load(), static_cast<uint32_t>(O_CREAT | O_RDWR));
  Close(made.fo);
  Opened existing = Create({.name = "/f", .disposition = D::OpenIf, .openFlags = O_CREAT});
  ASSERT_EQ(existing.status, NtStatus::Success);
  EXPECT_EQ(fs_->lastOpenFlags.load() & O_CREAT, 0u);
  Close(existing.fo);
  Opened fresh = Create({.name = "/g", .disposition = D::OpenIf, .openFlags = O_WRONLY});
  ASSERT_EQ(fresh.status, NtStatus::Success);
  EXPECT_EQ(fs_->lastOpenFlags.load(), static_cast<uint32_t>(O_CREAT | O_WRONLY));
  Close(fresh.fo);
}

TEST_F(CreateTest, NewNodesGetRequestorAndMaskedMode) {
  Requestor alice{.pid = 42, .uid = 1000, .gid = 1000};
  Opened f =
      Create({.name = "/f", .disposition = D::Create, .mode = S_IFREG | 0666, .umask = 022}, alice);
  ASSERT_EQ(f.status, NtStatus::Success);
  Close(f.fo);
  EXPECT_EQ(fs_->ModeOf("/f"), static_cast<uint32_t>(S_IFREG | 0644));
  EXPECT_EQ(fs_->UidOf("/f"), 1000u);

  Opened fifo = Create({.name = "/p", .disposition = D::Create, .mode = S_IFIFO | 0600});
  ASSERT_EQ(fifo.status, NtStatus::Success);
  Close(fifo.fo);
  EXPECT_TRUE(S_ISFIFO(fs_->ModeOf("/p")));

  Opened link =
      Create({.name = "/l", .disposition = D::Create, .mode = S_IFLNK, .symlinkTarget = "/f"});
  ASSERT_EQ(link.status, NtStatus::Success);
  alignas(8) char buffer[sizeof(FileSymlinkInfo) + 16] = {};
  uint64_t info = 0;
  EXPECT_EQ(Send(
                link.fo, IrpMajor::QueryInformation, 0, 0,
                [](IoStackLocation* sl) {
                  sl->parameters.queryFile.length = sizeof buffer;
                  sl->parameters.queryFile.fileInformationClass =
                      FileInformationClass::FileSymlinkInformation;
                },
                buffer, &info),
            NtStatus::Success);
  EXPECT_EQ(reinterpret_cast<FileSymlinkInfo*>(buffer)->targetLength, 2u);
  EXPECT_EQ(std::string(buffer + sizeof(FileSymlinkInfo), 2), "/f");
  EXPECT_EQ(info, sizeof(FileSymlinkInfo) + 2);
  Close(link.fo);
  EXPECT_EQ(Create({.name = "/l2", .disposition = D::Create, .mode = S_IFLNK}).status,
            NtStatus::InvalidParameter);
}

TEST_F(CreateTest, RelatedOpens) {
  MakeDir("/d");
  FileObject* dir = MustOpen({.name = "/d"});
  Opened child = Create({.name = "x", .disposition = D::Create, .related = dir});
  ASSERT_EQ(child.status, NtStatus::Success);
  EXPECT_TRUE(fs_->Exists("/d/x"));
  EXPECT_EQ(Create({.name = "/x", .related = dir}).status, NtStatus::ObjectNameInvalid);
  // An empty name reopens the related open's file, even a non-directory.
  Opened again = Create({.name = "", .related = child.fo});
  ASSERT_EQ(again.status, NtStatus::Success);
  EXPECT_EQ(again.fo->fsContext, child.fo->fsContext);
  Close(again.fo);
  Close(child.fo);
  Close(dir);
}

TEST_F(CreateTest, ReadOnlyAttributeDeniesWrite) {
  Close(MakeFile("/ro"));
  fs_->SetAttributes("/ro", file_attribute::kReadonly);
  EXPECT_EQ(Create({.name = "/ro", .access = access::kGenericWrite}).status,
            NtStatus::AccessDenied);
  Opened r = Create({.name = "/ro", .access = access::kGenericRead});
  EXPECT_EQ(r.status, NtStatus::Success);
  Close(r.fo);
}

TEST_F(CreateTest, DeleteOnCloseNeedsDeleteAccess) {
  Close(MakeFile("/f"));
  EXPECT_EQ(Create({.name = "/f", .options = create_option::kDeleteOnClose}).status,
            NtStatus::InvalidParameter);
}

TEST_F(CreateTest, MiniOpenFailureUndoesCreate) {
  fs_->failOpen = true;
  EXPECT_EQ(Create({.name = "/new", .disposition = D::Create}).status, NtStatus::AccessDenied);
  EXPECT_FALSE(fs_->Exists("/new"));
  fs_->failOpen = false;
  // Share access was given back too: an exclusive open succeeds.
  Opened e = Create({.name = "/new", .share = 0, .disposition = D::Create});
  EXPECT_EQ(e.status, NtStatus::Success);
  Close(e.fo);
}

TEST_F(CreateTest, MoreRefusals) {
  Close(MakeFile("/ro"));
  fs_->SetAttributes("/ro", file_attribute::kReadonly);
  EXPECT_EQ(
      Create({.name = "/ro", .access = access::kGenericRead, .disposition = D::Overwrite}).status,
      NtStatus::AccessDenied);
  EXPECT_EQ(Create({.name = "/ro", .options = create_option::kOpenByFileId}).status,
            NtStatus::NotSupported);
  EXPECT_EQ(Create({.name = "/newdir/", .disposition = D::Create}).status,
            NtStatus::ObjectNameInvalid);
  EXPECT_EQ(Create({.name = "/x",
                    .disposition = D::Create,
                    .options = create_option::kDirectoryFile | create_option::kNonDirectoryFile})
                .status,
            NtStatus::InvalidParameter);
  // Nothing new in a directory whose delete is pending.
  MakeDir("/d");
  FileObject* d = MustOpen({.name = "/d", .access = access::kDelete});
  EXPECT_EQ(SetInfo(d, FileInformationClass::FileDispositionInformation,
                    FileDispositionInfo{disposition_flag::kDelete}),
            NtStatus::Success);
  EXPECT_EQ(Create({.name = "/d/x", .disposition = D::Create}).status, NtStatus::DeletePending);
  Close(d);
  EXPECT_FALSE(fs_->Exists("/d"));
}

TEST_F(CreateTest, RelatedOpenOfAnotherVolumeIsRefused) {
  auto otherFs = std::make_shared<TestFs>();
  DeviceObject* other = nullptr;
  ASSERT_EQ(FsCreateVolume(driver_, otherFs, {.name = "other"}, &other), NtStatus::Success);
  Opened otherRoot = CreateOn(other, {.name = "/"});
  ASSERT_EQ(otherRoot.status, NtStatus::Success);
  EXPECT_EQ(Create({.name = "x", .disposition = D::OpenIf, .related = otherRoot.fo}).status,
            NtStatus::InvalidParameter);
  Close(otherRoot.fo);
  EXPECT_EQ(otherFs->openCount.load(), 0);
  FsDeleteVolume(other);
}

TEST_F(CreateTest, TrailingSlashCreatesDirectory) {
  Opened d =
      Create({.name = "/nd/", .disposition = D::Create, .options = create_option::kDirectoryFile});
  ASSERT_EQ(d.status, NtStatus::Success);
  Close(d.fo);
  EXPECT_TRUE(S_ISDIR(fs_->ModeOf("/nd")));
}

class ReadOnlyVolumeTest : public FsClassTest {
 protected:
  VolumeOptions Options() override { return {.name = "ro", .readOnly = true}; }
};

TEST_F(ReadOnlyVolumeTest, WritesAndCreatesAreWriteProtected) {
  EXPECT_EQ(Create({.name = "/x", .disposition = D::Create}).status, NtStatus::MediaWriteProtected);
  EXPECT_EQ(Create({.name = "/", .access = access::kGenericWrite}).status,
            NtStatus::MediaWriteProtected);
  Opened root = Create({.name = "/", .access = access::kGenericRead});
  EXPECT_EQ(root.status, NtStatus::Success);
  Close(root.fo);
}

}  // namespace
}  // namespace irpfs::fsclass::testing
