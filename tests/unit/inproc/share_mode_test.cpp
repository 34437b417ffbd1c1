// Share modes between two opens of one file: the full access x share matrix for the
// second open, against NT's rule written out independently here.
#include <string>

#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

constexpr std::string_view kPath = "/shared.txt";

struct AccessKind {
  const char* name;
  uint32_t mask;
  bool read, write, del;
};

const AccessKind kAccesses[] = {
    {"R", access::kReadData, true, false, false},
    {"W", access::kWriteData, false, true, false},
    {"A", access::kAppendData, false, true, false},
    {"X", access::kExecute, true, false, false},
    {"D", access::kDelete, false, false, true},
    {"RW", access::kReadData | access::kWriteData, true, true, false},
    {"RWD", access::kReadData | access::kWriteData | access::kDelete, true, true, true},
};

// NT's rule: each open's data and delete access must be allowed by the other's share mode.
bool Conflicts(const AccessKind& a, uint32_t shareA, const AccessKind& b, uint32_t shareB) {
  auto refused = [](const AccessKind& access, uint32_t share) {
    return (access.read && !(share & share::kRead)) || (access.write && !(share & share::kWrite)) ||
           (access.del && !(share & share::kDelete));
  };
  return refused(b, shareA) || refused(a, shareB);
}

class ShareModeTest : public MemfsTest {
 protected:
  Handle Open(uint32_t access, uint32_t share) {
    return client_->CreateFile(kPath, access, share, OPEN_EXISTING, 0);
  }
};

TEST_F(ShareModeTest, SecondOpenMatrix) {
  MakeFile(kPath, "data");
  VolumeContent before = Content();
  int conflicts = 0;
  for (const AccessKind& first : kAccesses) {
    for (uint32_t firstShare = 0; firstShare <= share::kAll; ++firstShare) {
      Handle h1 = Open(first.mask, firstShare);
      ASSERT_NE(h1, kInvalidHandleValue) << first.name << " share " << firstShare;
      for (const AccessKind& second : kAccesses) {
        for (uint32_t secondShare = 0; secondShare <= share::kAll; ++secondShare) {
          SCOPED_TRACE(std::string(first.name) + "/" + std::to_string(firstShare) + " then " +
                       second.name + "/" + std::to_string(secondShare));
          bool expectConflict = Conflicts(first, firstShare, second, secondShare);
          Handle h2 = Open(second.mask, secondShare);
          if (expectConflict) {
            ++conflicts;
            EXPECT_EQ(h2, kInvalidHandleValue);
            EXPECT_LAST_STATUS(NtStatus::SharingViolation);
            EXPECT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
          } else {
            EXPECT_NE(h2, kInvalidHandleValue) << GetLastError();
          }
          if (h2 != kInvalidHandleValue) {
            ASSERT_TRUE(client_->CloseHandle(h2));
          }
        }
      }
      ASSERT_TRUE(client_->CloseHandle(h1));
    }
  }
  EXPECT_GT(conflicts, 1000);  // the matrix really exercised refusals
  EXPECT_EQ(Content(), before);
  EXPECT_EQ(client_->HandleCount(), 0u);
}

TEST_F(ShareModeTest, ReadAttributesOnlyNeverConflicts) {
  MakeFile(kPath, "data");
  const uint32_t kAll = access::kReadData | access::kWriteData | access::kDelete;
  // An exclusive open does not keep out an attributes-only one ...
  Handle exclusive = Open(kAll, 0);
  ASSERT_NE(exclusive, kInvalidHandleValue);
  Handle attributes = Open(access::kReadAttributes, 0);
  EXPECT_NE(attributes, kInvalidHandleValue) << GetLastError();
  FileStat stat;
  EXPECT_TRUE(client_->GetFileInformationByHandle(attributes, &stat));
  EXPECT_EQ(stat.size, 4u);
  EXPECT_TRUE(client_->CloseHandle(attributes));
  EXPECT_TRUE(client_->CloseHandle(exclusive));
  // ... and an attributes-only open sharing nothing keeps out nobody.
  attributes = Open(access::kReadAttributes, 0);
  ASSERT_NE(attributes, kInvalidHandleValue);
  exclusive = Open(kAll, 0);
  EXPECT_NE(exclusive, kInvalidHandleValue) << GetLastError();
  EXPECT_TRUE(client_->CloseHandle(exclusive));
  EXPECT_TRUE(client_->CloseHandle(attributes));
}

TEST_F(ShareModeTest, ClosingTheFirstOpenLiftsTheConflict) {
  MakeFile(kPath, "data");
  Handle h1 = Open(access::kGenericWrite, 0);
  ASSERT_NE(h1, kInvalidHandleValue);
  EXPECT_EQ(Open(access::kGenericRead, share::kAll), kInvalidHandleValue);
  EXPECT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
  ASSERT_TRUE(client_->CloseHandle(h1));
  Handle h2 = Open(access::kGenericRead, share::kAll);
  EXPECT_NE(h2, kInvalidHandleValue);
  EXPECT_TRUE(client_->CloseHandle(h2));
}

}  // namespace
}  // namespace irpfs::inproc::testing
