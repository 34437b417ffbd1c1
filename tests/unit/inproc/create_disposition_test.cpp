// The CreateFile matrix: every disposition against an existing and a missing file.
#include <sys/stat.h>

#include <variant>

#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

constexpr std::string_view kPath = "/target.txt";
constexpr std::string_view kData = "original data";

struct DispositionCase {
  const char* name;
  std::variant<uint32_t, CreateDisposition> disposition;
  bool exists;
  bool succeeds;
  CreateAction action;  // on success
  NtStatus status;      // last NtStatus after the call
  uint32_t lastError;
  enum { Kept, Emptied, Absent } after;
};

class CreateDispositionTest : public MemfsTest,
                              public ::testing::WithParamInterface<DispositionCase> {};

TEST_P(CreateDispositionTest, ActionLastErrorAndContent) {
  const DispositionCase& c = GetParam();
  if (c.exists) MakeFile(kPath, kData);
  VolumeContent before = Content();

  CreateAction action = CreateAction::DoesNotExist;
  uint32_t access = access::kGenericRead | access::kGenericWrite;
  Handle h = std::visit(
      [&](auto disposition) {
        return client_->CreateFile(kPath, access, 0, disposition, 0, &action);
      },
      c.disposition);

  EXPECT_EQ(h != kInvalidHandleValue, c.succeeds);
  EXPECT_EQ(GetLastError(), c.lastError);
  EXPECT_EQ(StatusName(GetLastNtStatus()), StatusName(c.status));
  if (c.succeeds) {
    EXPECT_EQ(action, c.action);
    FileStat stat;
    ASSERT_TRUE(client_->GetFileInformationByHandle(h, &stat));
    EXPECT_EQ(stat.size, c.after == DispositionCase::Kept ? kData.size() : 0u);
    EXPECT_TRUE(client_->CloseHandle(h));
  }

  VolumeContent after = Content();
  switch (c.after) {
    case DispositionCase::Kept:
      EXPECT_EQ(after, before);
      break;
    case DispositionCase::Emptied:
      ASSERT_EQ(after.count(std::string(kPath)), 1u);
      EXPECT_EQ(after[std::string(kPath)], "file:");
      EXPECT_EQ(after.size(), c.exists ? before.size() : before.size() + 1);
      break;
    case DispositionCase::Absent:
      EXPECT_EQ(after.count(std::string(kPath)), 0u);
      EXPECT_EQ(after, before);
      break;
  }
}

using D = CreateDisposition;
using A = CreateAction;
using S = NtStatus;
constexpr auto kKept = DispositionCase::Kept;
constexpr auto kEmptied = DispositionCase::Emptied;
constexpr auto kAbsent = DispositionCase::Absent;

INSTANTIATE_TEST_SUITE_P(
    Win32, CreateDispositionTest,
    ::testing::Values(
        // An existing file.
        DispositionCase{"CreateNewExisting", CREATE_NEW, true, false, A::Opened,
                        S::ObjectNameCollision, ERROR_FILE_EXISTS, kKept},
        DispositionCase{"CreateAlwaysExisting", CREATE_ALWAYS, true, true, A::Overwritten,
                        S::ObjectNameExists, ERROR_ALREADY_EXISTS, kEmptied},
        DispositionCase{"OpenExistingExisting", OPEN_EXISTING, true, true, A::Opened, S::Success,
                        ERROR_SUCCESS, kKept},
        DispositionCase{"OpenAlwaysExisting", OPEN_ALWAYS, true, true, A::Opened,
                        S::ObjectNameExists, ERROR_ALREADY_EXISTS, kKept},
        DispositionCase{"TruncateExistingExisting", TRUNCATE_EXISTING, true, true, A::Overwritten,
                        S::Success, ERROR_SUCCESS, kEmptied},
        // A missing file.
        DispositionCase{"CreateNewMissing", CREATE_NEW, false, true, A::Created, S::Success,
                        ERROR_SUCCESS, kEmptied},
        DispositionCase{"CreateAlwaysMissing", CREATE_ALWAYS, false, true, A::Created, S::Success,
                        ERROR_SUCCESS, kEmptied},
        DispositionCase{"OpenExistingMissing", OPEN_EXISTING, false, false, A::Opened,
                        S::ObjectNameNotFound, ERROR_FILE_NOT_FOUND, kAbsent},
        DispositionCase{"OpenAlwaysMissing", OPEN_ALWAYS, false, true, A::Created, S::Success,
                        ERROR_SUCCESS, kEmptied},
        DispositionCase{"TruncateExistingMissing", TRUNCATE_EXISTING, false, false, A::Opened,
                        S::ObjectNameNotFound, ERROR_FILE_NOT_FOUND, kAbsent}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Nt, CreateDispositionTest,
    ::testing::Values(DispositionCase{"SupersedeExisting", D::Supersede, true, true, A::Superseded,
                                      S::ObjectNameExists, ERROR_ALREADY_EXISTS, kEmptied},
                      DispositionCase{"SupersedeMissing", D::Supersede, false, true, A::Created,
                                      S::Success, ERROR_SUCCESS, kEmptied},
                      DispositionCase{"CreateExisting", D::Create, true, false, A::Opened,
                                      S::ObjectNameCollision, ERROR_FILE_EXISTS, kKept},
                      DispositionCase{"CreateMissing", D::Create, false, true, A::Created,
                                      S::Success, ERROR_SUCCESS, kEmptied},
                      DispositionCase{"OpenExisting", D::Open, true, true, A::Opened, S::Success,
                                      ERROR_SUCCESS, kKept},
                      DispositionCase{"OpenMissing", D::Open, false, false, A::Opened,
                                      S::ObjectNameNotFound, ERROR_FILE_NOT_FOUND, kAbsent},
                      DispositionCase{"OpenIfExisting", D::OpenIf, true, true, A::Opened,
                                      S::ObjectNameExists, ERROR_ALREADY_EXISTS, kKept},
                      DispositionCase{"OpenIfMissing", D::OpenIf, false, true, A::Created,
                                      S::Success, ERROR_SUCCESS, kEmptied},
                      DispositionCase{"OverwriteExisting", D::Overwrite, true, true, A::Overwritten,
                                      S::Success, ERROR_SUCCESS, kEmptied},
                      DispositionCase{"OverwriteMissing", D::Overwrite, false, false, A::Opened,
                                      S::ObjectNameNotFound, ERROR_FILE_NOT_FOUND, kAbsent},
                      DispositionCase{"OverwriteIfExisting", D::OverwriteIf, true, true,
                                      A::Overwritten, S::ObjectNameExists, ERROR_ALREADY_EXISTS,
                                      kEmptied},
                      DispositionCase{"OverwriteIfMissing", D::OverwriteIf, false, true, A::Created,
                                      S::Success, ERROR_SUCCESS, kEmptied}),
    [](const auto& info) { return std::string(info.param.name); });

class CreateFileTest : public MemfsTest {};

TEST_F(CreateFileTest, TruncateExistingNeedsWriteAccess) {
  MakeFile(kPath, kData);
  VolumeContent before = Content();
  Handle h = client_->CreateFile(kPath, access::kGenericRead, share::kAll, TRUNCATE_EXISTING, 0);
  EXPECT_EQ(h, kInvalidHandleValue);
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_EQ(Content(), before);
}

TEST_F(CreateFileTest, UnknownWin32DispositionIsInvalidParameter) {
  Handle h = client_->CreateFile(kPath, access::kGenericRead, 0, 6u, 0);
  EXPECT_EQ(h, kInvalidHandleValue);
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_FALSE(Exists(kPath));
}

TEST_F(CreateFileTest, MissingParentIsPathNotFound) {
  Handle h = client_->CreateFile("/no/such/file", access::kGenericWrite, 0, CREATE_ALWAYS, 0);
  EXPECT_EQ(h, kInvalidHandleValue);
  EXPECT_LAST_STATUS(NtStatus::ObjectPathNotFound);
  EXPECT_EQ(GetLastError(), ERROR_PATH_NOT_FOUND);
}

TEST_F(CreateFileTest, DirectoryNeedsBackupSemantics) {
  ASSERT_TRUE(client_->CreateDirectory("/dir"));
  Handle h = client_->CreateFile("/dir", access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  EXPECT_EQ(h, kInvalidHandleValue);
  EXPECT_LAST_STATUS(NtStatus::FileIsADirectory);
  h = client_->CreateFile("/dir", access::kGenericRead, share::kAll, OPEN_EXISTING,
                          FILE_FLAG_BACKUP_SEMANTICS);
  ASSERT_NE(h, kInvalidHandleValue);
  FileStat stat;
  ASSERT_TRUE(client_->GetFileInformationByHandle(h, &stat));
  EXPECT_TRUE(S_ISDIR(stat.mode));
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(CreateFileTest, CreateDirectoryOnTakenNameIsAlreadyExists) {
  ASSERT_TRUE(client_->CreateDirectory("/dir"));
  EXPECT_FALSE(client_->CreateDirectory("/dir"));
  EXPECT_EQ(GetLastError(), ERROR_ALREADY_EXISTS);
  EXPECT_EQ(GetLastNtStatus(), NtStatus::ObjectNameCollision);
  EXPECT_EQ(Content(), (VolumeContent{{"/dir", "dir"}}));
}

TEST_F(CreateFileTest, FlagsReachTheFileObject) {
  Handle h = client_->CreateFile(kPath, access::kGenericWrite, 0, CREATE_ALWAYS,
                                 FILE_FLAG_WRITE_THROUGH | FILE_FLAG_NO_BUFFERING |
                                     FILE_FLAG_SEQUENTIAL_SCAN | FILE_FLAG_RANDOM_ACCESS);
  ASSERT_NE(h, kInvalidHandleValue);
  // The flags change no outcome on memfs; the write must still land.
  uint32_t written = 0;
  ASSERT_TRUE(client_->WriteFile(h, "abc", 3, &written));
  EXPECT_TRUE(client_->CloseHandle(h));
  EXPECT_EQ(ReadAll(kPath), "abc");
}

}  // namespace
}  // namespace irpfs::inproc::testing
