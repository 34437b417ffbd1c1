// Identity: with a root server, requests run as their caller, so the host owns files by
// their creator and refuses what the caller may not do. Skipped when not run as root.
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "drivers/mirror/host_calls.h"
#include "drivers/mirror/identity.h"
#include "mirror_fixture.h"

namespace irpfs::mirror::testing {
namespace {

constexpr uid_t kNobody = 65534;
constexpr uid_t kOther = 65533;

class MirrorIdentityTest : public MirrorTest {
 public:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "identity switching needs a root server";
    MirrorTest::SetUp();
  }
  void As(uid_t uid, gid_t gid) { requestor_ = Requestor{0, uid, gid}; }

  // Opens `name` for writing, writes one byte at offset 0 and closes it, all with `ctx`
  // (whose IRP collects what the write reports).
  void WriteOneByte(const fsclass::OperationContext& ctx, const char* name) {
    fsclass::NodeRef node;
    ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), name, &node), NtStatus::Success);
    void* open = nullptr;
    ASSERT_EQ(mirror_->Open(ctx, node, access::kWriteData, 0, &open), NtStatus::Success);
    uint32_t written = 0;
    uint64_t at = 0;
    EXPECT_EQ(mirror_->Write(ctx, node, open, "y", 1, 0, false, &written, &at), NtStatus::Success);
    EXPECT_EQ(written, 1u);
    mirror_->Cleanup(ctx, node, open);
    mirror_->Close(node, open);
    mirror_->Forget(node);
  }
};

TEST_F(MirrorIdentityTest, CreatedFilesBelongToTheirCreator) {
  As(kNobody, kNobody);
  FileObject* fo = OpenRW("/mine", CreateDisposition::Create);
  ASSERT_NE(fo, nullptr);
  Close(fo);
  Opened d = Create({.name = "/mydir",
                     .disposition = CreateDisposition::Create,
                     .options = create_option::kDirectoryFile});
  ASSERT_EQ(d.status, NtStatus::Success);
  Close(d.fo);
  struct stat st;
  ASSERT_EQ(lstat(Host("mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kNobody);
  EXPECT_EQ(st.st_gid, kNobody);
  ASSERT_EQ(lstat(Host("mydir").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kNobody);
}

TEST_F(MirrorIdentityTest, HostPermissionsApplyToTheCaller) {
  WriteHostFile(Host("rootonly"), "root's");
  ASSERT_EQ(chmod(Host("rootonly").c_str(), 0600), 0);
  As(kNobody, kNobody);
  EXPECT_EQ(Create({.name = "/rootonly"}).status, NtStatus::AccessDenied);
  EXPECT_EQ(Create({.name = "/rootonly", .access = access::kGenericWrite}).status,
            NtStatus::AccessDenied);
  // Root itself may.
  As(0, 0);
  FileObject* fo = MustOpen({.name = "/rootonly"});
  EXPECT_EQ(ReadAll(fo), "root's");
  Close(fo);
}

TEST_F(MirrorIdentityTest, TwoUnprivilegedUsersAreKeptApart) {
  As(kNobody, kNobody);
  Opened mine = Create({.name = "/private",
                        .access = access::kGenericWrite,
                        .disposition = CreateDisposition::Create,
                        .mode = 0600});
  ASSERT_EQ(mine.status, NtStatus::Success);
  ASSERT_EQ(Write(mine.fo, 0, "nobody's"), NtStatus::Success);
  Close(mine.fo);
  As(kOther, kOther);
  EXPECT_EQ(Create({.name = "/private"}).status, NtStatus::AccessDenied);
  // Not the owner: chmod is refused (EPERM).
  FileObject* attrs = MustOpen({.name = "/private", .access = access::kReadAttributes});
  FilePosixInfo chmod;
  chmod.valid = posix_valid::kMode;
  chmod.mode = 0666;
  EXPECT_EQ(SetInfo(attrs, FileInformationClass::FilePosixInformation, chmod),
            NtStatus::PrivilegeNotHeld);
  Close(attrs);
  // The owner reads it.
  As(kNobody, kNobody);
  FileObject* fo = MustOpen({.name = "/private"});
  EXPECT_EQ(ReadAll(fo), "nobody's");
  Close(fo);
}

TEST_F(MirrorIdentityTest, DirectoriesTheCallerCannotReadAreNotOpened) {
  ASSERT_EQ(mkdir(Host("closed").c_str(), 0700), 0);
  As(kNobody, kNobody);
  EXPECT_EQ(Create({.name = "/closed", .options = create_option::kDirectoryFile}).status,
            NtStatus::AccessDenied);
  // Attributes need no permission on the directory itself, as stat(2).
  FileObject* fo = MustOpen({.name = "/closed",
                             .access = access::kReadAttributes,
                             .options = create_option::kDirectoryFile});
  Close(fo);
}

TEST_F(MirrorIdentityTest, CreatingInADirectoryTheCallerCannotWriteIsRefused) {
  ASSERT_EQ(mkdir(Host("locked").c_str(), 0755), 0);
  As(kNobody, kNobody);
  EXPECT_EQ(Create({.name = "/locked/x",
                    .access = access::kGenericWrite,
                    .disposition = CreateDisposition::Create})
                .status,
            NtStatus::AccessDenied);
  EXPECT_NE(::access(Host("locked/x").c_str(), F_OK), 0);
}

TEST_F(MirrorIdentityTest, DeleteIsRefusedWhenAsked) {
  ASSERT_EQ(mkdir(Host("locked").c_str(), 0755), 0);
  WriteHostFile(Host("locked/f"), "x");
  As(kNobody, kNobody);
  // NT semantics remove the name at cleanup: the refusal must come at disposition time.
  FileObject* fo = MustOpen({.name = "/locked/f", .access = access::kDelete});
  ASSERT_NE(fo, nullptr);
  FileDispositionInfo del{disposition_flag::kDelete};
  EXPECT_EQ(SetInfo(fo, FileInformationClass::FileDispositionInformation, del),
            NtStatus::AccessDenied);
  Close(fo);
  EXPECT_EQ(::access(Host("locked/f").c_str(), F_OK), 0);
}

TEST_F(MirrorIdentityTest, WriteBySomeoneElseClearsTheSetUidBit) {
  WriteHostFile(Host("suid"), "x");
  ASSERT_EQ(chmod(Host("suid").c_str(), 04777), 0);
  As(kNobody, kNobody);
  FileObject* fo = MustOpen({.name = "/suid", .access = access::kGenericWrite});
  ASSERT_NE(fo, nullptr);
  ASSERT_EQ(Write(fo, 0, "y"), NtStatus::Success);
  Close(fo);
  struct stat st;
  ASSERT_EQ(lstat(Host("suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & S_ISUID, 0u);
}

// The host drops the bits; the mirror says so on the IRP (for the kernel's cached mode),
// and says nothing for a file without them.
TEST_F(MirrorIdentityTest, AWriteToASetIdFileIsReportedOnTheIrp) {
  WriteHostFile(Host("suid"), "x");
  WriteHostFile(Host("plain"), "x");
  ASSERT_EQ(chmod(Host("suid").c_str(), 04777), 0);
  ASSERT_EQ(chmod(Host("plain").c_str(), 0777), 0);
  Irp irp;
  fsclass::OperationContext ctx{Requestor{0, kNobody, kNobody}, &irp};
  for (const char* name : {"suid", "plain"}) {
    irp.flags = 0;
    WriteOneByte(ctx, name);
    bool reported = irp.flags & irp_flag::kAttributesChanged;
    EXPECT_EQ(reported, std::string(name) == "suid") << name;
  }
  struct stat st;
  ASSERT_EQ(lstat(Host("suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0777u);
}

// The sender's word on the writer's CAP_FSETID (rw_flag::kDropSetId / kKeepSetId) decides:
// a user's write said to keep the bits keeps them (and needs no look at the mode); root's
// write said to lack CAP_FSETID drops them, though the host sees the server's root.
TEST_F(MirrorIdentityTest, TheSendersWordOnCapFsetidDecides) {
  WriteHostFile(Host("f"), "x");
  Irp irp;
  auto writeAs = [&](Requestor who, fsclass::SetIdOnWrite rule) {
    fsclass::OperationContext ctx{who, &irp};
    ctx.setIdOnWrite = rule;
    irp.flags = 0;
    WriteOneByte(ctx, "f");
  };
  auto mode = [&] {
    struct stat st;
    EXPECT_EQ(lstat(Host("f").c_str(), &st), 0);
    return st.st_mode & 07777;
  };
  ASSERT_EQ(chmod(Host("f").c_str(), 06777), 0);
  writeAs(Requestor{0, kNobody, kNobody}, fsclass::SetIdOnWrite::kKeep);
  EXPECT_EQ(mode(), 06777u);
  EXPECT_FALSE(irp.flags & irp_flag::kAttributesChanged);
  writeAs(Requestor{0, 0, 0}, fsclass::SetIdOnWrite::kDrop);
  EXPECT_EQ(mode(), 0777u);
  EXPECT_TRUE(irp.flags & irp_flag::kAttributesChanged);
  // Without a word, root is taken to hold CAP_FSETID.
  ASSERT_EQ(chmod(Host("f").c_str(), 06777), 0);
  writeAs(Requestor{0, 0, 0}, fsclass::SetIdOnWrite::kByRequestor);
  EXPECT_EQ(mode(), 06777u);
}

TEST_F(MirrorIdentityTest, ANewFileOpensForItsCreatorWhateverItsMode) {
  ASSERT_EQ(chmod(Host("").c_str(), 0777), 0);
  As(kNobody, kNobody);
  // open(O_CREAT | O_RDWR, 0): the creator's open is granted; the next open is not.
  Opened made = Create({.name = "/zero",
                        .access = access::kGenericRead | access::kGenericWrite,
                        .disposition = CreateDisposition::Create,
                        .mode = S_IFREG});  // type only: permissions 0000
  ASSERT_EQ(made.status, NtStatus::Success);
  EXPECT_EQ(Write(made.fo, 0, "abc"), NtStatus::Success);
  Close(made.fo);
  struct stat st;
  ASSERT_EQ(lstat(Host("zero").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0u);
  EXPECT_EQ(st.st_size, 3);
  EXPECT_EQ(Create({.name = "/zero", .access = access::kGenericWrite}).status,
            NtStatus::AccessDenied);
}

// FUSE without handle_killpriv clears set-ID bits after a non-owner's write with a SETATTR
// of the mode sent as that writer.
TEST_F(MirrorIdentityTest, AWriterMayDropSetIdBitsOfAFileItDoesNotOwn) {
  WriteHostFile(Host("setid"), "x");
  ASSERT_EQ(chmod(Host("setid").c_str(), 06777), 0);
  As(kNobody, kNobody);
  FileObject* attrs = MustOpen({.name = "/setid", .access = access::kReadAttributes});
  FilePosixInfo kill;
  kill.valid = posix_valid::kMode;
  kill.mode = 0777;
  EXPECT_EQ(SetInfo(attrs, FileInformationClass::FilePosixInformation, kill), NtStatus::Success);
  Close(attrs);
  struct stat st;
  ASSERT_EQ(lstat(Host("setid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0777u);
}

TEST_F(MirrorIdentityTest, DroppingSetIdBitsStaysTheOwnersWithoutWriteAccess) {
  WriteHostFile(Host("setid"), "x");
  ASSERT_EQ(chmod(Host("setid").c_str(), 06755), 0);
  WriteHostFile(Host("open-setid"), "x");
  ASSERT_EQ(chmod(Host("open-setid").c_str(), 06777), 0);
  As(kNobody, kNobody);
  FilePosixInfo chmod;
  chmod.valid = posix_valid::kMode;
  // Cannot write the file: a chmod like any other.
  FileObject* attrs = MustOpen({.name = "/setid", .access = access::kReadAttributes});
  chmod.mode = 0755;
  EXPECT_EQ(SetInfo(attrs, FileInformationClass::FilePosixInformation, chmod),
            NtStatus::PrivilegeNotHeld);
  Close(attrs);
  // May write it, but the mode changes more than the set-ID bits.
  attrs = MustOpen({.name = "/open-setid", .access = access::kReadAttributes});
  chmod.mode = 0666;
  EXPECT_EQ(SetInfo(attrs, FileInformationClass::FilePosixInformation, chmod),
            NtStatus::PrivilegeNotHeld);
  Close(attrs);
  struct stat st;
  ASSERT_EQ(lstat(Host("setid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 06755u);
  ASSERT_EQ(lstat(Host("open-setid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 06777u);
}

TEST_F(MirrorIdentityTest, TheThreadGetsTheServersIdentityBack) {
  As(kNobody, kNobody);
  FileObject* fo = OpenRW("/f", CreateDisposition::Create);
  Close(fo);
  EXPECT_EQ(host::SetFsUid(static_cast<uint32_t>(-1)), 0u);
  EXPECT_EQ(host::SetFsGid(static_cast<uint32_t>(-1)), 0u);
  // And the switch never leaked to another thread.
  std::thread other([] { EXPECT_EQ(host::SetFsUid(static_cast<uint32_t>(-1)), 0u); });
  other.join();
}

TEST(MirrorGroups, ReadsTheGroupsOfAProcess) {
  std::vector<gid_t> groups;
  ASSERT_TRUE(ReadProcessGroups(getpid(), &groups));
  int count = getgroups(0, nullptr);
  std::vector<gid_t> expected(static_cast<size_t>(count));
  getgroups(count, expected.data());
  EXPECT_EQ(groups, expected);
  EXPECT_FALSE(ReadProcessGroups(-5, &groups));
}

TEST(MirrorGroups, CacheAnswersTheSameAsProc) {
  GroupCache cache;
  std::vector<gid_t> a, b;
  cache.Get(getpid(), getuid(), &a);
  cache.Get(getpid(), getuid(), &b);
  std::vector<gid_t> direct;
  ReadProcessGroups(getpid(), &direct);
  EXPECT_EQ(a, direct);
  EXPECT_EQ(b, direct);
}

}  // namespace
}  // namespace irpfs::mirror::testing
