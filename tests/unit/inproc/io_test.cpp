// Reads, writes, the file position, information and volume queries on memfs.
#include <sys/stat.h>

#include <string>

#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

constexpr uint32_t kRw = access::kGenericRead | access::kGenericWrite;

class IoTest : public MemfsTest {
 protected:
  Handle Create(std::string_view path, uint32_t flags = 0) {
    Handle h = client_->CreateFile(path, kRw, share::kAll, CREATE_ALWAYS, flags);
    EXPECT_NE(h, kInvalidHandleValue);
    return h;
  }
};

TEST_F(IoTest, SequentialIoMovesThePosition) {
  Handle h = Create("/seq");
  uint32_t n = 0;
  ASSERT_TRUE(client_->WriteFile(h, "hello ", 6, &n));
  ASSERT_TRUE(client_->WriteFile(h, "world", 5, &n));
  uint64_t position = 0;
  ASSERT_TRUE(client_->SetFilePointerEx(h, 0, &position, FILE_CURRENT));
  EXPECT_EQ(position, 11u);
  ASSERT_TRUE(client_->SetFilePointerEx(h, 0, &position, FILE_BEGIN));
  char buffer[32] = {};
  ASSERT_TRUE(client_->ReadFile(h, buffer, 5, &n));
  EXPECT_EQ(std::string_view(buffer, n), "hello");
  ASSERT_TRUE(client_->ReadFile(h, buffer, sizeof(buffer), &n));
  EXPECT_EQ(std::string_view(buffer, n), " world");
  // At the end: success with nothing read.
  ASSERT_TRUE(client_->ReadFile(h, buffer, sizeof(buffer), &n));
  EXPECT_EQ(n, 0u);
  ASSERT_TRUE(client_->SetFilePointerEx(h, -5, &position, FILE_END));
  EXPECT_EQ(position, 6u);
  ASSERT_TRUE(client_->ReadFile(h, buffer, sizeof(buffer), &n));
  EXPECT_EQ(std::string_view(buffer, n), "world");
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(IoTest, ExplicitOffsets) {
  Handle h = Create("/at");
  uint32_t n = 0;
  ASSERT_TRUE(client_->WriteFileAt(h, "abc", 3, 10, &n));
  FileStat stat;
  ASSERT_TRUE(client_->GetFileInformationByHandle(h, &stat));
  EXPECT_EQ(stat.size, 13u);
  char buffer[16];
  ASSERT_TRUE(client_->ReadFileAt(h, buffer, sizeof(buffer), 0, &n));
  EXPECT_EQ(std::string(buffer, n), std::string(10, '\0') + "abc");
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(IoTest, AppendOnlyAccessWritesAtTheEnd) {
  MakeFile("/log", "one,");
  Handle h = client_->CreateFile("/log", access::kAppendData, share::kAll, OPEN_EXISTING, 0);
  ASSERT_NE(h, kInvalidHandleValue);
  uint32_t n = 0;
  ASSERT_TRUE(client_->WriteFileAt(h, "two", 3, 0, &n));
  EXPECT_TRUE(client_->CloseHandle(h));
  EXPECT_EQ(ReadAll("/log"), "one,two");
}

TEST_F(IoTest, OverlappedHandleWithNonPendingDriver) {
  Handle h = Create("/ov", FILE_FLAG_OVERLAPPED);
  Overlapped overlapped;
  overlapped.offset = 2;
  uint32_t n = 0;
  ASSERT_TRUE(client_->WriteFile(h, "xy", 2, &n, &overlapped));
  EXPECT_EQ(n, 2u);
  uint32_t result = 0;
  EXPECT_TRUE(client_->GetOverlappedResult(h, &overlapped, &result, false));
  EXPECT_EQ(result, 2u);
  // Reading past the end through an overlapped handle.
  overlapped.offset = 100;
  char c;
  EXPECT_TRUE(client_->ReadFile(h, &c, 1, &n, &overlapped) || GetLastError() == ERROR_HANDLE_EOF);
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(client_->CloseHandle(h));
  EXPECT_EQ(ReadAll("/ov"), std::string("\0\0xy", 4));
}

TEST_F(IoTest, SizeAndTruncation) {
  Handle h = Create("/size");
  uint32_t n = 0;
  ASSERT_TRUE(client_->WriteFile(h, "0123456789", 10, &n));
  uint64_t size = 0;
  ASSERT_TRUE(client_->GetFileSizeEx(h, &size));
  EXPECT_EQ(size, 10u);
  ASSERT_TRUE(client_->SetFileSize(h, 4));
  ASSERT_TRUE(client_->GetFileSizeEx(h, &size));
  EXPECT_EQ(size, 4u);
  ASSERT_TRUE(client_->SetFilePointerEx(h, 2, nullptr, FILE_BEGIN));
  ASSERT_TRUE(client_->SetEndOfFile(h));
  EXPECT_TRUE(client_->CloseHandle(h));
  EXPECT_EQ(ReadAll("/size"), "01");
}

TEST_F(IoTest, BasicAndPosixInformation) {
  Handle h = Create("/attrs");
  FileBasicInfo basic;
  basic.lastWriteTime = FileTimeSpec{1'000'000, 5};
  ASSERT_TRUE(client_->SetFileBasicInfo(h, basic));
  FilePosixInfo posix;
  posix.valid = posix_valid::kMode;
  posix.mode = 0640;
  ASSERT_TRUE(client_->SetFilePosixInfo(h, posix));
  FileStat stat;
  ASSERT_TRUE(client_->GetFileInformationByHandle(h, &stat));
  EXPECT_EQ(stat.mtime, (FileTimeSpec{1'000'000, 5}));
  EXPECT_EQ(stat.mode & 07777, 0640u);
  EXPECT_TRUE(S_ISREG(stat.mode));
  FileStandardInfo standard;
  ASSERT_TRUE(client_->GetFileInformationByHandleEx(
      h, FileInformationClass::FileStandardInformation, &standard, sizeof(standard)));
  EXPECT_FALSE(standard.directory);
  EXPECT_EQ(standard.numberOfLinks, 1u);
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(IoTest, ReadonlyAttributeRefusesWritersAndDelete) {
  MakeFile("/ro", "fixed");
  Handle h = client_->CreateFile("/ro", access::kWriteAttributes, share::kAll, OPEN_EXISTING, 0);
  ASSERT_NE(h, kInvalidHandleValue);
  FileBasicInfo basic;
  basic.attributes = file_attribute::kReadonly;
  ASSERT_TRUE(client_->SetFileBasicInfo(h, basic));
  EXPECT_TRUE(client_->CloseHandle(h));
  EXPECT_EQ(client_->CreateFile("/ro", access::kGenericWrite, share::kAll, OPEN_EXISTING, 0),
            kInvalidHandleValue);
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_FALSE(client_->DeleteFile("/ro"));
  EXPECT_LAST_STATUS(NtStatus::CannotDelete);
  EXPECT_EQ(ReadAll("/ro"), "fixed");
  FindData data;
  Handle find = client_->FindFirstFile("/ro", &data);
  ASSERT_NE(find, kInvalidHandleValue);
  EXPECT_TRUE(data.fileAttributes & file_attribute::kReadonly);
  EXPECT_TRUE(client_->FindClose(find));
}

TEST_F(IoTest, FlushNeedsWriteAccess) {
  Handle h = Create("/flush");
  EXPECT_TRUE(client_->FlushFileBuffers(h));
  EXPECT_TRUE(client_->CloseHandle(h));
}

TEST_F(IoTest, VolumeInformationAndFreeSpace) {
  VolumeInformation info;
  ASSERT_TRUE(client_->GetVolumeInformation(&info));
  EXPECT_EQ(info.volumeName, "memfs");
  EXPECT_EQ(info.maximumComponentLength, 255u);
  EXPECT_FALSE(info.fileSystemName.empty());
  uint64_t freeBefore = 0, total = 0, totalFree = 0;
  ASSERT_TRUE(client_->GetDiskFreeSpaceEx("/", &freeBefore, &total, &totalFree));
  EXPECT_GT(total, 0u);
  EXPECT_LE(freeBefore, total);
  MakeFile("/big", std::string(1 << 20, 'b'));
  uint64_t freeAfter = 0;
  ASSERT_TRUE(client_->GetDiskFreeSpaceEx("/big", &freeAfter, nullptr, nullptr));
  EXPECT_LE(freeAfter + (1 << 20), freeBefore);
  EXPECT_FALSE(client_->GetDiskFreeSpaceEx("/absent", &freeAfter, nullptr, nullptr));
  EXPECT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
}

TEST_F(IoTest, RemoveDirectory) {
  ASSERT_TRUE(client_->CreateDirectory("/d"));
  ASSERT_TRUE(client_->CreateDirectory("/d/e", 0700));
  FindData data;
  Handle find = client_->FindFirstFile("/d/e", &data);
  ASSERT_NE(find, kInvalidHandleValue);
  EXPECT_EQ(data.stat.mode & 07777, 0700u);
  EXPECT_TRUE(client_->FindClose(find));
  EXPECT_TRUE(client_->RemoveDirectory("/d/e"));
  EXPECT_TRUE(client_->RemoveDirectory("/d"));
  EXPECT_EQ(Content(), VolumeContent{});
  EXPECT_FALSE(client_->RemoveDirectory("/d"));
  EXPECT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
}

TEST_F(IoTest, NtCreateFileReportsTheAction) {
  NtCreateRequest request;
  request.parameters.desiredAccess = access::kGenericWrite;
  request.parameters.shareAccess = 0;
  request.parameters.disposition = CreateDisposition::OpenIf;
  request.parameters.options = create_option::kNonDirectoryFile;
  IoStatusBlock io;
  Handle h = client_->NtCreateFile("/nt", request, &io);
  ASSERT_NE(h, kInvalidHandleValue);
  EXPECT_EQ(io.status, NtStatus::Success);
  EXPECT_EQ(static_cast<CreateAction>(io.information), CreateAction::Created);
  EXPECT_TRUE(client_->CloseHandle(h));
  h = client_->NtCreateFile("/nt", request, &io);
  ASSERT_NE(h, kInvalidHandleValue);
  EXPECT_EQ(static_cast<CreateAction>(io.information), CreateAction::Opened);
  EXPECT_TRUE(client_->CloseHandle(h));
  request.parameters.shareAccess = 0x10;  // not a share bit
  EXPECT_EQ(client_->NtCreateFile("/nt", request, &io), kInvalidHandleValue);
  EXPECT_EQ(io.status, NtStatus::InvalidParameter);
}

}  // namespace
}  // namespace irpfs::inproc::testing
