// Handles: generations, duplication with narrower access, closing the source.
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

constexpr std::string_view kPath = "/h.txt";

class HandleTest : public MemfsTest {
 protected:
  void SetUp() override {
    MemfsTest::SetUp();
    MakeFile(kPath, "handle data");
  }
};

TEST_F(HandleTest, ReusedSlotGetsANewValue) {
  std::set<Handle> seen;
  for (int i = 0; i < 50; ++i) {
    Handle h = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
    ASSERT_NE(h, kInvalidHandleValue);
    EXPECT_TRUE(seen.insert(h).second) << "handle value reused";
    ASSERT_TRUE(client_->CloseHandle(h));
  }
  EXPECT_EQ(client_->HandleCount(), 0u);
}

TEST_F(HandleTest, DoubleCloseFails) {
  Handle h = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  ASSERT_TRUE(client_->CloseHandle(h));
  EXPECT_FALSE(client_->CloseHandle(h));
  EXPECT_LAST_STATUS(NtStatus::InvalidHandle);
}

TEST_F(HandleTest, DuplicateSharesTheFilePosition) {
  Handle h = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  Handle dup;
  ASSERT_TRUE(client_->DuplicateHandle(h, &dup, 0, DUPLICATE_SAME_ACCESS));
  char buffer[6] = {};
  uint32_t n = 0;
  ASSERT_TRUE(client_->ReadFile(h, buffer, 6, &n));
  EXPECT_EQ(std::string_view(buffer, n), "handle");
  ASSERT_TRUE(client_->ReadFile(dup, buffer, 5, &n));
  EXPECT_EQ(std::string_view(buffer, n), " data");
  EXPECT_EQ(client_->HandleCount(), 2u);
  EXPECT_TRUE(client_->CloseHandle(h));
  EXPECT_TRUE(client_->CloseHandle(dup));
}

TEST_F(HandleTest, DuplicateWithNarrowerAccess) {
  Handle rw = client_->CreateFile(kPath, access::kGenericRead | access::kGenericWrite, share::kAll,
                                  OPEN_EXISTING, 0);
  ASSERT_NE(rw, kInvalidHandleValue);
  Handle readOnly;
  ASSERT_TRUE(client_->DuplicateHandle(rw, &readOnly, access::kGenericRead, 0));
  uint32_t n = 0;
  EXPECT_FALSE(client_->WriteFileAt(readOnly, "x", 1, 0, &n));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  char c;
  EXPECT_TRUE(client_->ReadFileAt(readOnly, &c, 1, 0, &n));
  EXPECT_EQ(c, 'h');
  // Wider than the source: refused.
  Handle wider;
  EXPECT_FALSE(client_->DuplicateHandle(readOnly, &wider, access::kGenericWrite, 0));
  EXPECT_LAST_STATUS(NtStatus::AccessDenied);
  EXPECT_EQ(wider, kInvalidHandleValue);
  EXPECT_TRUE(client_->CloseHandle(readOnly));
  EXPECT_TRUE(client_->CloseHandle(rw));
  EXPECT_EQ(ReadAll(kPath), "handle data");
}

TEST_F(HandleTest, DuplicateCloseSource) {
  Handle h = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  Handle dup;
  ASSERT_TRUE(client_->DuplicateHandle(h, &dup, 0, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
  EXPECT_EQ(client_->HandleCount(), 1u);
  FileStat stat;
  EXPECT_FALSE(client_->GetFileInformationByHandle(h, &stat));
  EXPECT_TRUE(client_->GetFileInformationByHandle(dup, &stat));
  EXPECT_TRUE(client_->CloseHandle(dup));
}

TEST_F(HandleTest, ManyThreadsOpenUseAndClose) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        Handle h = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
        char buffer[6];
        uint32_t n = 0;
        if (h == kInvalidHandleValue || !client_->ReadFileAt(h, buffer, 6, 0, &n) || n != 6 ||
            !client_->CloseHandle(h)) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(client_->HandleCount(), 0u);
}

TEST_F(HandleTest, CloseRacesUse) {
  // One thread closes while another uses the same handle: the use either works or sees
  // an invalid handle, never freed memory.
  for (int round = 0; round < 50; ++round) {
    Handle h = client_->CreateFile(kPath, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
    ASSERT_NE(h, kInvalidHandleValue);
    std::thread user([&] {
      for (int i = 0; i < 20; ++i) {
        char c;
        uint32_t n = 0;
        if (!client_->ReadFileAt(h, &c, 1, 0, &n)) {
          EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
        }
      }
    });
    EXPECT_TRUE(client_->CloseHandle(h));
    user.join();
  }
  EXPECT_EQ(client_->HandleCount(), 0u);
}

}  // namespace
}  // namespace irpfs::inproc::testing
