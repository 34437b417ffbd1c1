// Bad input gets a clear status and changes nothing: each case checks the last status,
// the volume content before and after, and (through a counting filter on top of memfs)
// that validation failures reach no driver at all.
#include <sys/stat.h>

#include <cstring>
#include <string>

#include "test_filter.h"
#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

constexpr uint64_t kPastMaxOffset = uint64_t{1} << 63;

class BadInputTest : public MemfsTest {
 protected:
  void SetUp() override {
    MemfsTest::SetUp();
    MakeFile("/file.txt", "file contents");
    ASSERT_TRUE(client_->CreateDirectory("/dir"));
    MakeFile("/dir/inner.txt", "inner");
    filter_ = TestFilter::Attach(*volume_, do_flag::kDirectIo);
    ASSERT_NE(filter_, nullptr);
    before_ = Content();
  }
  void TearDown() override {
    EXPECT_EQ(Content(), before_) << "the volume changed";
    MemfsTest::TearDown();
  }

  Handle OpenFile(uint32_t access) {
    Handle h = client_->CreateFile("/file.txt", access, share::kAll, OPEN_EXISTING, 0);
    EXPECT_NE(h, kInvalidHandleValue);
    return h;
  }
  Handle OpenDir(uint32_t access) {
    Handle h =
        client_->CreateFile("/dir", access, share::kAll, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS);
    EXPECT_NE(h, kInvalidHandleValue);
    return h;
  }

  TestFilter* filter_ = nullptr;
  VolumeContent before_;
};

// Every handle-taking call with `h`, each expected to fail with STATUS_INVALID_HANDLE and
// send nothing.
void ExpectInvalidEverywhere(Client& client, TestFilter& filter, Handle h) {
  int irps = filter.TotalCount();
  char buffer[16] = {};
  uint32_t n = 0;
  FileStat stat;
  Overlapped overlapped;
  Handle dup;
  FindData find;
  auto check = [&](bool ok, const char* what) {
    EXPECT_FALSE(ok) << what;
    EXPECT_LAST_STATUS(NtStatus::InvalidHandle);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE) << what;
  };
  check(client.ReadFile(h, buffer, sizeof(buffer), &n), "ReadFile");
  check(client.WriteFile(h, buffer, sizeof(buffer), &n), "WriteFile");
  check(client.ReadFileAt(h, buffer, 1, 0, &n), "ReadFileAt");
  check(client.WriteFile(h, buffer, 1, &n, &overlapped), "WriteFile overlapped");
  check(client.GetFileInformationByHandle(h, &stat), "GetFileInformationByHandle");
  check(client.SetFileSize(h, 0), "SetFileSize");
  check(client.SetFileDisposition(h, true), "SetFileDisposition");
  check(client.SetFileRename(h, "/x", true), "SetFileRename");
  check(client.FlushFileBuffers(h), "FlushFileBuffers");
  check(client.LockFileEx(h, 0, 0, 1), "LockFileEx");
  check(client.UnlockFileEx(h, 0, 1), "UnlockFileEx");
  check(client.DeviceIoControl(h, ReverseIoctl(METHOD_BUFFERED), buffer, 1, buffer, 1, &n),
        "DeviceIoControl");
  check(client.CancelIoEx(h), "CancelIoEx");
  check(client.CancelIo(h), "CancelIo");
  check(client.GetOverlappedResult(h, &overlapped, &n, false), "GetOverlappedResult");
  check(client.SetFilePointerEx(h, 0, nullptr, FILE_BEGIN), "SetFilePointerEx");
  check(client.DuplicateHandle(h, &dup, 0, DUPLICATE_SAME_ACCESS), "DuplicateHandle");
  check(client.FindNextFile(h, &find), "FindNextFile");
  check(client.FindClose(h), "FindClose");
  check(client.CloseHandle(h), "CloseHandle");
  EXPECT_EQ(filter.TotalCount(), irps) << "an invalid handle reached the drivers";
}

TEST_F(BadInputTest, MadeUpHandles) {
  ExpectInvalidEverywhere(*client_, *filter_, kInvalidHandleValue);
  ExpectInvalidEverywhere(*client_, *filter_, static_cast<Handle>(0));
  ExpectInvalidEverywhere(*client_, *filter_, static_cast<Handle>(12345));
}

TEST_F(BadInputTest, ClosedHandle) {
  Handle h = OpenFile(access::kGenericRead);
  ASSERT_TRUE(client_->CloseHandle(h));
  ExpectInvalidEverywhere(*client_, *filter_, h);
}

TEST_F(BadInputTest, StaleHandleDoesNotReachItsSlotsNextOwner) {
  Handle old = OpenFile(access::kGenericRead);
  ASSERT_TRUE(client_->CloseHandle(old));
  Handle reused = OpenFile(access::kGenericRead);  // likely the same slot
  ASSERT_NE(reused, old);
  ExpectInvalidEverywhere(*client_, *filter_, old);
  FileStat stat;
  EXPECT_TRUE(client_->GetFileInformationByHandle(reused, &stat));
  EXPECT_TRUE(client_->CloseHandle(reused));
}

TEST_F(BadInputTest, AnotherClientsHandle) {
  Client other(volume_->device());
  Handle foreign =
      other.CreateFile("/file.txt", access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  ASSERT_NE(foreign, kInvalidHandleValue);
  ExpectInvalidEverywhere(*client_, *filter_, foreign);
  EXPECT_TRUE(other.CloseHandle(foreign));
}

TEST_F(BadInputTest, FindHandleIsNotAFileHandleAndBack) {
  FindData data;
  Handle find = client_->FindFirstFile("/dir/*", &data);
  ASSERT_NE(find, kInvalidHandleValue);
  char buffer[4];
  uint32_t n = 0;
  EXPECT_FALSE(client_->ReadFile(find, buffer, sizeof(buffer), &n));
  EXPECT_LAST_STATUS(NtStatus::InvalidHandle);
  Handle file = OpenFile(access::kGenericRead);
  EXPECT_FALSE(client_->FindNextFile(file, &data));
  EXPECT_LAST_STATUS(NtStatus::InvalidHandle);
  EXPECT_FALSE(client_->FindClose(file));
  EXPECT_LAST_STATUS(NtStatus::InvalidHandle);
  EXPECT_TRUE(client_->CloseHandle(file));
  EXPECT_TRUE(client_->FindClose(find));
}

TEST_F(BadInputTest, WriteOnReadOnlyHandle) {
  Handle h = OpenFile(access::kGenericRead);
  int writes = filter_->Count(IrpMajor::Write);
  uint32_t n = 99;
  EXPECT_FALSE(client_->WriteFile(h, "evil", 4, &n));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_EQ(n, 0u);
  EXPECT_FALSE(client_->WriteFileAt(h, "evil", 4, 0, &n));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_FALSE(client_->SetFileSize(h, 0));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_FALSE(client_->FlushFileBuffers(h));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_FALSE(client_->SetFileDisposition(h, true));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_EQ(filter_->Count(IrpMajor::Write), writes);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(BadInputTest, ReadOnWriteOnlyHandle) {
  Handle h = OpenFile(access::kGenericWrite);
  char buffer[4];
  uint32_t n = 0;
  EXPECT_FALSE(client_->ReadFile(h, buffer, sizeof(buffer), &n));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(BadInputTest, BadNames) {
  int irps = filter_->TotalCount();
  const std::string kNul("a\0b", 3);
  const std::string kNames[] = {"..",          "/..", "/dir/..", "/dir/../file.txt", ".",
                                "/./file.txt", "",    kNul,      "/dir/" + kNul};
  for (const std::string& name : kNames) {
    SCOPED_TRACE("name: " + name);
    for (uint32_t disposition : {CREATE_NEW, CREATE_ALWAYS, OPEN_EXISTING, OPEN_ALWAYS}) {
      Handle h = client_->CreateFile(name, access::kGenericWrite, share::kAll, disposition,
                                     FILE_FLAG_BACKUP_SEMANTICS);
      EXPECT_EQ(h, kInvalidHandleValue);
      EXPECT_LAST_STATUS(NtStatus::ObjectNameInvalid);
      EXPECT_EQ(GetLastError(), ERROR_INVALID_NAME);
    }
    EXPECT_FALSE(client_->CreateDirectory(name));
    EXPECT_LAST_STATUS(NtStatus::ObjectNameInvalid);
    EXPECT_FALSE(client_->DeleteFile(name));
    EXPECT_LAST_STATUS(NtStatus::ObjectNameInvalid);
    EXPECT_FALSE(client_->RemoveDirectory(name));
    EXPECT_LAST_STATUS(NtStatus::ObjectNameInvalid);
    EXPECT_FALSE(client_->MoveFileEx("/file.txt", name, MOVEFILE_REPLACE_EXISTING));
    EXPECT_LAST_STATUS(NtStatus::ObjectNameInvalid);
    FindData data;
    EXPECT_EQ(client_->FindFirstFile(name.empty() ? name : name + "/*", &data),
              kInvalidHandleValue);
    EXPECT_LAST_STATUS(NtStatus::ObjectNameInvalid);
  }
  EXPECT_EQ(filter_->TotalCount(), irps) << "a malformed name reached the drivers";
}

TEST_F(BadInputTest, RenameToBadNameThroughHandle) {
  Handle h = OpenFile(access::kDelete);
  for (std::string_view name : {"..", "/dir/..", ""}) {
    EXPECT_FALSE(client_->SetFileRename(h, name, true));
    EXPECT_LAST_STATUS(NtStatus::ObjectNameInvalid);
  }
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(BadInputTest, NamesOverTheComponentLimit) {
  std::string longName = "/" + std::string(256, 'n');
  Handle h = client_->CreateFile(longName, access::kGenericWrite, 0, CREATE_NEW, 0);
  EXPECT_EQ(h, kInvalidHandleValue);
  EXPECT_LAST_STATUS(NtStatus::NameTooLong);
  EXPECT_FALSE(client_->CreateDirectory("/dir" + longName));
  EXPECT_LAST_STATUS(NtStatus::NameTooLong);
  EXPECT_FALSE(client_->MoveFileEx("/file.txt", longName, 0));
  EXPECT_LAST_STATUS(NtStatus::NameTooLong);
}

TEST_F(BadInputTest, NameAtTheComponentLimitWorks) {
  std::string name = "/" + std::string(255, 'n');
  Handle h =
      client_->CreateFile(name, access::kGenericWrite, 0, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE);
  ASSERT_NE(h, kInvalidHandleValue) << GetLastError();
  EXPECT_TRUE(Exists(name));
  EXPECT_TRUE(client_->CloseHandle(h));  // deleted again: the content check holds
}

TEST_F(BadInputTest, OffsetsPastTheLargestFileOffset) {
  Handle h = OpenFile(access::kGenericRead | access::kGenericWrite);
  int irps = filter_->TotalCount();
  char buffer[4] = {};
  uint32_t n = 0;
  EXPECT_FALSE(client_->ReadFileAt(h, buffer, 1, kPastMaxOffset, &n));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_FALSE(client_->WriteFileAt(h, buffer, 1, kPastMaxOffset, &n));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_FALSE(client_->WriteFileAt(h, buffer, 1, ~uint64_t{0}, &n));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  Overlapped overlapped;
  overlapped.offset = kPastMaxOffset;
  EXPECT_FALSE(client_->ReadFile(h, buffer, 1, &n, &overlapped));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_FALSE(client_->LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK, kPastMaxOffset, 1));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_FALSE(client_->SetFileSize(h, kPastMaxOffset));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_FALSE(client_->SetFilePointerEx(h, -1, nullptr, FILE_BEGIN));
  EXPECT_EQ(GetLastError(), 131u);  // ERROR_NEGATIVE_SEEK
  EXPECT_EQ(filter_->TotalCount(), irps);
  // The largest offset itself is fine to read at (nothing there).
  EXPECT_TRUE(client_->ReadFileAt(h, buffer, 1, kPastMaxOffset - 1, &n));
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(BadInputTest, NullBuffersWithLength) {
  Handle h = OpenFile(access::kGenericRead | access::kGenericWrite);
  int irps = filter_->TotalCount();
  uint32_t n = 0;
  EXPECT_FALSE(client_->ReadFile(h, nullptr, 4, &n));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_FALSE(client_->WriteFileAt(h, nullptr, 4, 0, &n));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_FALSE(
      client_->DeviceIoControl(h, ReverseIoctl(METHOD_BUFFERED), nullptr, 4, nullptr, 0, &n));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_FALSE(client_->GetFileInformationByHandleEx(h, FileInformationClass::FileStatInformation,
                                                     nullptr, sizeof(FileStat)));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_EQ(filter_->TotalCount(), irps);
  // Zero bytes from nowhere is a valid (empty) transfer.
  EXPECT_TRUE(client_->WriteFileAt(h, nullptr, 0, 0, &n));
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(BadInputTest, OverlappedHandleWithoutOverlappedOrPosition) {
  Handle h = client_->CreateFile("/file.txt", access::kGenericRead, share::kAll, OPEN_EXISTING,
                                 FILE_FLAG_OVERLAPPED);
  ASSERT_NE(h, kInvalidHandleValue);
  char buffer[4];
  uint32_t n = 0;
  EXPECT_FALSE(client_->ReadFile(h, buffer, sizeof(buffer), &n));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(BadInputTest, DirectoryCallsOnAFile) {
  FindData data;
  EXPECT_EQ(client_->FindFirstFile("/file.txt/*", &data), kInvalidHandleValue);
  EXPECT_LAST_STATUS(NtStatus::NotADirectory);
  EXPECT_EQ(GetLastError(), ERROR_DIRECTORY);
  EXPECT_FALSE(client_->RemoveDirectory("/file.txt"));
  EXPECT_LAST_STATUS(NtStatus::NotADirectory);
  EXPECT_FALSE(client_->CreateDirectory("/file.txt"));
  EXPECT_EQ(GetLastError(), ERROR_ALREADY_EXISTS);
  EXPECT_FALSE(client_->CreateDirectory("/file.txt/sub"));
  EXPECT_LAST_STATUS(NtStatus::ObjectPathNotFound);
}

TEST_F(BadInputTest, FileCallsOnADirectory) {
  EXPECT_FALSE(client_->DeleteFile("/dir"));
  EXPECT_LAST_STATUS(NtStatus::FileIsADirectory);
  EXPECT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
  Handle dir = OpenDir(access::kGenericRead | access::kGenericWrite);
  char buffer[8] = {};
  uint32_t n = 0;
  EXPECT_FALSE(client_->ReadFileAt(dir, buffer, sizeof(buffer), 0, &n));
  NtStatus readStatus = GetLastNtStatus();
  EXPECT_TRUE(NtError(readStatus)) << StatusName(readStatus);
  EXPECT_FALSE(client_->WriteFileAt(dir, "data", 4, 0, &n));
  EXPECT_TRUE(NtError(GetLastNtStatus())) << StatusName(GetLastNtStatus());
  EXPECT_FALSE(client_->SetFileSize(dir, 0));
  EXPECT_TRUE(NtError(GetLastNtStatus())) << StatusName(GetLastNtStatus());
  EXPECT_TRUE(client_->CloseHandle(dir));
  // Removing a directory that still has entries.
  EXPECT_FALSE(client_->RemoveDirectory("/dir"));
  EXPECT_LAST_STATUS(NtStatus::DirectoryNotEmpty);
  EXPECT_EQ(GetLastError(), ERROR_DIR_NOT_EMPTY);
}

TEST_F(BadInputTest, OverlappedStillInFlightCannotBeReused) {
  filter_->set_pendReads(true);
  Handle h = client_->CreateFile("/file.txt", access::kGenericRead, share::kAll, OPEN_EXISTING,
                                 FILE_FLAG_OVERLAPPED);
  ASSERT_NE(h, kInvalidHandleValue);
  Overlapped overlapped;
  char buffer[4];
  EXPECT_FALSE(client_->ReadFile(h, buffer, sizeof(buffer), nullptr, &overlapped));
  EXPECT_EQ(GetLastError(), ERROR_IO_PENDING);
  int reads = filter_->Count(IrpMajor::Read);
  EXPECT_FALSE(client_->ReadFile(h, buffer, sizeof(buffer), nullptr, &overlapped));
  EXPECT_LAST_STATUS(NtStatus::InvalidParameter);
  EXPECT_EQ(filter_->Count(IrpMajor::Read), reads);
  EXPECT_TRUE(client_->CancelIoEx(h, &overlapped));
  uint32_t n = 0;
  EXPECT_FALSE(client_->GetOverlappedResult(h, &overlapped, &n, true));
  EXPECT_EQ(GetLastError(), ERROR_OPERATION_ABORTED);
  EXPECT_TRUE(client_->CloseHandle(h));
}

}  // namespace
}  // namespace irpfs::inproc::testing
