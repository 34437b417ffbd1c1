// FindFirstFile / FindNextFile with wildcards, over directories small and large.
#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

class FindTest : public MemfsTest {
 protected:
  void SetUp() override {
    MemfsTest::SetUp();
    for (const char* name :
         {"/a.txt", "/b.txt", "/abc", "/aXc", "/ac", "/abbc", "/c.TXT", "/notes.txt.bak"}) {
      MakeFile(name, name);
    }
    ASSERT_TRUE(client_->CreateDirectory("/sub"));
    MakeFile("/sub/deep.txt", "deep");
  }
  // The names a search returns, without "." and "..".
  std::set<std::string> Find(std::string_view pattern, uint32_t* error = nullptr) {
    std::set<std::string> names;
    FindData data;
    Handle h = client_->FindFirstFile(pattern, &data);
    if (h == kInvalidHandleValue) {
      if (error != nullptr) *error = GetLastError();
      return names;
    }
    do {
      if (data.fileName != "." && data.fileName != "..") {
        EXPECT_TRUE(names.insert(data.fileName).second) << "twice: " << data.fileName;
      }
    } while (client_->FindNextFile(h, &data));
    EXPECT_EQ(GetLastError(), ERROR_NO_MORE_FILES);
    EXPECT_TRUE(client_->FindClose(h));
    if (error != nullptr) *error = ERROR_SUCCESS;
    return names;
  }
};

using Names = std::set<std::string>;

TEST_F(FindTest, StarDotTxt) {
  EXPECT_EQ(Find("/*.txt"), (Names{"a.txt", "b.txt"}));
}

TEST_F(FindTest, QuestionMark) {
  EXPECT_EQ(Find("/a?c"), (Names{"abc", "aXc"}));
}

TEST_F(FindTest, StarEverything) {
  EXPECT_EQ(Find("/*"),
            (Names{"a.txt", "b.txt", "abc", "aXc", "ac", "abbc", "c.TXT", "notes.txt.bak", "sub"}));
  EXPECT_EQ(Find("/"), Find("/*"));  // a bare directory means "*"
}

TEST_F(FindTest, SubdirectoryAndBackslashes) {
  EXPECT_EQ(Find("/sub/*"), (Names{"deep.txt"}));
  EXPECT_EQ(Find("\\sub\\*.txt"), (Names{"deep.txt"}));
}

TEST_F(FindTest, DotEntriesComeFirstInASubdirectory) {
  FindData data;
  Handle h = client_->FindFirstFile("/sub/*", &data);
  ASSERT_NE(h, kInvalidHandleValue);
  EXPECT_EQ(data.fileName, ".");
  EXPECT_TRUE(data.fileAttributes & file_attribute::kDirectory);
  ASSERT_TRUE(client_->FindNextFile(h, &data));
  EXPECT_EQ(data.fileName, "..");
  ASSERT_TRUE(client_->FindNextFile(h, &data));
  EXPECT_EQ(data.fileName, "deep.txt");
  EXPECT_EQ(data.stat.size, 4u);
  EXPECT_TRUE(S_ISREG(data.stat.mode));
  EXPECT_FALSE(data.fileAttributes & file_attribute::kDirectory);
  EXPECT_FALSE(client_->FindNextFile(h, &data));
  EXPECT_EQ(GetLastError(), ERROR_NO_MORE_FILES);
  EXPECT_FALSE(client_->FindNextFile(h, &data));  // and stays at the end
  EXPECT_EQ(GetLastError(), ERROR_NO_MORE_FILES);
  EXPECT_TRUE(client_->FindClose(h));
  EXPECT_FALSE(client_->FindNextFile(h, &data));
  EXPECT_LAST_STATUS(NtStatus::InvalidHandle);
}

TEST_F(FindTest, NoMatchIsFileNotFound) {
  uint32_t error = 0;
  EXPECT_EQ(Find("/*.none", &error), Names{});
  EXPECT_EQ(error, ERROR_FILE_NOT_FOUND);
  EXPECT_EQ(client_->HandleCount(), 0u);
}

TEST_F(FindTest, MissingDirectory) {
  uint32_t error = 0;
  Find("/nowhere/*", &error);
  EXPECT_EQ(error, ERROR_FILE_NOT_FOUND);
  Find("/nowhere/deeper/*", &error);
  EXPECT_EQ(error, ERROR_PATH_NOT_FOUND);
}

TEST_F(FindTest, LargeDirectorySpansSeveralBuffers) {
  ASSERT_TRUE(client_->CreateDirectory("/big"));
  constexpr int kFiles = 1200;
  std::set<std::string> expected;
  for (int i = 0; i < kFiles; ++i) {
    std::string name = "entry-with-a-longish-name-" + std::to_string(i);
    Handle h = client_->CreateFile("/big/" + name, access::kGenericWrite, 0, CREATE_NEW, 0);
    ASSERT_NE(h, kInvalidHandleValue);
    ASSERT_TRUE(client_->CloseHandle(h));
    expected.insert(name);
  }
  EXPECT_EQ(Find("/big/*"), expected);
  EXPECT_EQ(Find("/big/*-7"), (Names{"entry-with-a-longish-name-7"}));
  EXPECT_EQ(Find("/big/*-11??").size(), 100u);
}

TEST_F(FindTest, TwoSearchesAtOnceAreIndependent) {
  FindData a, b;
  Handle ha = client_->FindFirstFile("/*.txt", &a);
  Handle hb = client_->FindFirstFile("/*.txt", &b);
  ASSERT_NE(ha, kInvalidHandleValue);
  ASSERT_NE(hb, kInvalidHandleValue);
  std::vector<std::string> first{a.fileName}, second{b.fileName};
  while (client_->FindNextFile(ha, &a)) first.push_back(a.fileName);
  while (client_->FindNextFile(hb, &b)) second.push_back(b.fileName);
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.size(), 2u);
  EXPECT_TRUE(client_->FindClose(ha));
  EXPECT_TRUE(client_->FindClose(hb));
}

}  // namespace
}  // namespace irpfs::inproc::testing
