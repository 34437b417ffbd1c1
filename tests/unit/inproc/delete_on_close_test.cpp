// Delete-on-close and delete dispositions: the name goes at the last handle's cleanup,
// not before, and a delete-pending file cannot be opened.
#include <thread>

#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

constexpr std::string_view kPath = "/doomed.txt";
constexpr uint32_t kRw = access::kGenericRead | access::kGenericWrite;

class DeleteOnCloseTest : public MemfsTest {};

TEST_F(DeleteOnCloseTest, FileGoesOnlyAfterTheLastDuplicatedHandle) {
  Handle h = client_->CreateFile(kPath, kRw, share::kAll, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE);
  ASSERT_NE(h, kInvalidHandleValue);
  uint32_t written = 0;
  ASSERT_TRUE(client_->WriteFile(h, "x", 1, &written));
  Handle dup = kInvalidHandleValue;
  ASSERT_TRUE(client_->DuplicateHandle(h, &dup, 0, DUPLICATE_SAME_ACCESS));
  ASSERT_NE(dup, h);

  ASSERT_TRUE(client_->CloseHandle(h));
  EXPECT_TRUE(Exists(kPath)) << "one handle of the open is still there";
  char byte = 0;
  uint32_t read = 0;
  EXPECT_TRUE(client_->ReadFileAt(dup, &byte, 1, 0, &read));
  EXPECT_EQ(read, 1u);
  EXPECT_EQ(byte, 'x');

  ASSERT_TRUE(client_->CloseHandle(dup));
  EXPECT_FALSE(Exists(kPath));
  EXPECT_EQ(Content(), VolumeContent{});
}

TEST_F(DeleteOnCloseTest, AnotherOpenKeepsTheFileDeletePending) {
  Handle doomed =
      client_->CreateFile(kPath, kRw, share::kAll, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE);
  ASSERT_NE(doomed, kInvalidHandleValue);
  Handle other = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  ASSERT_NE(other, kInvalidHandleValue);

  ASSERT_TRUE(client_->CloseHandle(doomed));  // cleanup: delete pending, name kept
  EXPECT_TRUE(Exists(kPath));
  FileStat stat;
  ASSERT_TRUE(client_->GetFileInformationByHandle(other, &stat));
  EXPECT_TRUE(stat.deletePending);

  Handle late = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  EXPECT_EQ(late, kInvalidHandleValue);
  EXPECT_LAST_STATUS(NtStatus::DeletePending);

  ASSERT_TRUE(client_->CloseHandle(other));
  EXPECT_FALSE(Exists(kPath));
}

TEST_F(DeleteOnCloseTest, ConcurrentOpenWhileDeletePendingFails) {
  Handle doomed = client_->CreateFile(kPath, kRw | access::kDelete, share::kAll, CREATE_ALWAYS, 0);
  ASSERT_NE(doomed, kInvalidHandleValue);
  ASSERT_TRUE(client_->SetFileDisposition(doomed, true));
  // From another thread, as another process would.
  NtStatus seen = NtStatus::Success;
  uint32_t seenError = 0;
  std::thread opener([&] {
    Handle h = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
    if (h != kInvalidHandleValue) client_->CloseHandle(h);
    seen = GetLastNtStatus();
    seenError = GetLastError();
  });
  opener.join();
  EXPECT_EQ(StatusName(seen), StatusName(NtStatus::DeletePending));
  EXPECT_EQ(seenError, StatusToWin32(NtStatus::DeletePending));
  EXPECT_TRUE(Exists(kPath));
  ASSERT_TRUE(client_->CloseHandle(doomed));
  EXPECT_FALSE(Exists(kPath));
}

TEST_F(DeleteOnCloseTest, DispositionCanBeTakenBack) {
  MakeFile(kPath, "keep me");
  Handle h = client_->CreateFile(kPath, access::kDelete, share::kAll, OPEN_EXISTING, 0);
  ASSERT_NE(h, kInvalidHandleValue);
  ASSERT_TRUE(client_->SetFileDisposition(h, true));
  ASSERT_TRUE(client_->SetFileDisposition(h, false));
  ASSERT_TRUE(client_->CloseHandle(h));
  EXPECT_EQ(ReadAll(kPath), "keep me");
}

TEST_F(DeleteOnCloseTest, DeleteFileWaitsForOpenHandles) {
  MakeFile(kPath, "data");
  Handle reader = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  ASSERT_NE(reader, kInvalidHandleValue);
  ASSERT_TRUE(client_->DeleteFile(kPath));
  EXPECT_TRUE(Exists(kPath));  // NT semantics: the name stays while an open remains
  char buffer[8];
  uint32_t read = 0;
  EXPECT_TRUE(client_->ReadFile(reader, buffer, sizeof(buffer), &read));
  EXPECT_EQ(std::string_view(buffer, read), "data");
  ASSERT_TRUE(client_->CloseHandle(reader));
  EXPECT_FALSE(Exists(kPath));
}

TEST_F(DeleteOnCloseTest, DeleteFileNeedsShareDeleteFromOthers) {
  MakeFile(kPath, "data");
  Handle reader = client_->CreateFile(kPath, access::kGenericRead, share::kRead, OPEN_EXISTING, 0);
  ASSERT_NE(reader, kInvalidHandleValue);
  EXPECT_FALSE(client_->DeleteFile(kPath));
  EXPECT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
  ASSERT_TRUE(client_->CloseHandle(reader));
  EXPECT_EQ(ReadAll(kPath), "data");
}

TEST_F(DeleteOnCloseTest, ClientDestructionClosesHandles) {
  Handle h = client_->CreateFile(kPath, kRw, share::kAll, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE);
  ASSERT_NE(h, kInvalidHandleValue);
  EXPECT_TRUE(Exists(kPath));
  client_ = std::make_unique<Client>(volume_->device());
  EXPECT_FALSE(Exists(kPath));
}

}  // namespace
}  // namespace irpfs::inproc::testing
