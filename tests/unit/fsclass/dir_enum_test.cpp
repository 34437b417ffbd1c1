// IRP_MN_QUERY_DIRECTORY: patterns, resume, restart, single entry, small buffers.
#include <sys/stat.h>

#include <vector>

#include "fsclass/dir_enum.h"
#include "fsclass_harness.h"

namespace irpfs::fsclass::testing {
namespace {

TEST(MatchPatternTest, StarAndQuestionMark) {
  EXPECT_TRUE(MatchPattern("", "anything"));
  EXPECT_TRUE(MatchPattern("*", ""));
  EXPECT_TRUE(MatchPattern("*.txt", "a.txt"));
  EXPECT_TRUE(MatchPattern("*.txt", ".txt"));
  EXPECT_FALSE(MatchPattern("*.txt", "a.txt.bak"));
  EXPECT_TRUE(MatchPattern("a?c", "abc"));
  EXPECT_FALSE(MatchPattern("a?c", "ac"));
  EXPECT_TRUE(MatchPattern("*a*b*c", "xxaxxbxxbxc"));
  EXPECT_FALSE(MatchPattern("*a*b*c", "xxaxxbxxbx"));
  EXPECT_TRUE(MatchPattern("exact", "exact"));
  EXPECT_FALSE(MatchPattern("Exact", "exact"));
}

struct Entry {
  std::string name;
  uint64_t index;
  uint32_t mode;
};

class DirEnumTest : public FsClassTest {
 protected:
  void SetUp() override {
    FsClassTest::SetUp();
    MakeDir("/d");
    for (const char* name : {"a.txt", "b.log", "c.txt", "d.txt"}) {
      Close(MakeFile(std::string("/d/") + name));
    }
    dir_ = MustOpen({.name = "/d"});
  }
  void TearDown() override {
    Close(dir_);
    FsClassTest::TearDown();
  }

  NtStatus Query(std::vector<Entry>* out, uint8_t flags = 0, std::string pattern = "",
                 uint64_t index = 0, uint32_t length = 4096, uint64_t* info = nullptr,
                 FileObject* fo = nullptr) {
    out->clear();
    buffer_.assign(length, std::byte{0});
    uint64_t used = 0;
    NtStatus s = Send(
        fo ? fo : dir_, IrpMajor::DirectoryControl, minor::kQueryDirectory, flags,
        [&](IoStackLocation* sl) {
          auto& p = sl->parameters.queryDirectory;
          p.length = length;
          p.fileInformationClass = FileInformationClass::FileDirectoryInformation;
          p.fileName = pattern;
          p.fileIndex = index;
        },
        buffer_.data(), &used);
    if (info) *info = used;
    if (!NtSuccess(s)) return s;
    size_t offset = 0;
    while (true) {
      EXPECT_EQ(offset % 8, 0u);
      auto* e = reinterpret_cast<const DirEntryIdHeader*>(buffer_.data() + offset);
      out->push_back({std::string(DirEntryName(e)), e->fileIndex, e->mode});
      if (e->nextEntryOffset == 0) {
        EXPECT_EQ(used, offset + sizeof(DirEntryIdHeader) + e->nameLength);
        break;
      }
      offset += e->nextEntryOffset;
    }
    return s;
  }

  static std::vector<std::string> Names(const std::vector<Entry>& entries) {
    std::vector<std::string> names;
    for (const Entry& e : entries) names.push_back(e.name);
    return names;
  }

  FileObject* dir_ = nullptr;
  std::vector<std::byte> buffer_;
};

TEST_F(DirEnumTest, ListsDotsFirstThenEntries) {
  std::vector<Entry> entries;
  ASSERT_EQ(Query(&entries), NtStatus::Success);
  EXPECT_EQ(Names(entries),
            (std::vector<std::string>{".", "..", "a.txt", "b.log", "c.txt", "d.txt"}));
  EXPECT_EQ(entries[0].index, 1u);
  EXPECT_EQ(entries[1].index, 2u);
  EXPECT_GT(entries[2].index, 2u);
  EXPECT_TRUE(S_ISDIR(entries[0].mode));
  EXPECT_TRUE(S_ISREG(entries[2].mode));
  EXPECT_EQ(Query(&entries), NtStatus::NoMoreFiles);
  ASSERT_EQ(Query(&entries, sl::kRestartScan), NtStatus::Success);
  EXPECT_EQ(entries.size(), 6u);
}

TEST_F(DirEnumTest, PatternFiltersAndSticksUntilRestart) {
  std::vector<Entry> entries;
  ASSERT_EQ(Query(&entries, 0, "*.txt"), NtStatus::Success);
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"a.txt", "c.txt", "d.txt"}));
  ASSERT_EQ(Query(&entries, sl::kRestartScan, "?.log"), NtStatus::Success);
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"b.log"}));
  EXPECT_EQ(Query(&entries, sl::kRestartScan, "*.none"), NtStatus::NoSuchFile);
  EXPECT_EQ(Query(&entries, 0, "*.none"), NtStatus::NoMoreFiles);
}

TEST_F(DirEnumTest, SingleEntryAndCursor) {
  std::vector<Entry> entries;
  std::vector<std::string> seen;
  while (Query(&entries, sl::kReturnSingleEntry) == NtStatus::Success) {
    ASSERT_EQ(entries.size(), 1u);
    seen.push_back(entries[0].name);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{".", "..", "a.txt", "b.log", "c.txt", "d.txt"}));
}

TEST_F(DirEnumTest, ResumeAfterIndex) {
  std::vector<Entry> all;
  ASSERT_EQ(Query(&all), NtStatus::Success);
  std::vector<Entry> entries;
  // Continue after "a.txt" as FUSE's readdir does with its offset.
  ASSERT_EQ(Query(&entries, sl::kIndexSpecified, "", all[2].index), NtStatus::Success);
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"b.log", "c.txt", "d.txt"}));
  ASSERT_EQ(Query(&entries, sl::kIndexSpecified, "", 1), NtStatus::Success);
  EXPECT_EQ(entries.front().name, "..");
  ASSERT_EQ(Query(&entries, sl::kIndexSpecified, "", 0), NtStatus::Success);
  EXPECT_EQ(entries.size(), 6u);
  EXPECT_EQ(Query(&entries, sl::kIndexSpecified, "", all.back().index), NtStatus::NoMoreFiles);
}

TEST_F(DirEnumTest, SmallBuffersResumeWhereTheyStopped) {
  std::vector<Entry> entries;
  uint64_t needed = 0;
  EXPECT_EQ(Query(&entries, 0, "", 0, sizeof(DirEntryIdHeader), &needed), NtStatus::BufferTooSmall);
  EXPECT_EQ(needed, DirEntryIdSize(1));
  // Room for exactly two short entries: ".", then "..".
  uint32_t two = static_cast<uint32_t>(DirEntryIdSize(1) + sizeof(DirEntryIdHeader) + 2);
  ASSERT_EQ(Query(&entries, 0, "", 0, two), NtStatus::Success);
  EXPECT_EQ(Names(entries), (std::vector<std::string>{".", ".."}));
  std::vector<std::string> rest;
  // Each query now fits one entry (a second would need another 32-byte header).
  uint32_t one = static_cast<uint32_t>(sizeof(DirEntryIdHeader) + 16);
  while (Query(&entries, 0, "", 0, one) == NtStatus::Success) {
    EXPECT_EQ(entries.size(), 1u);
    for (const Entry& e : entries) rest.push_back(e.name);
  }
  EXPECT_EQ(rest, (std::vector<std::string>{"a.txt", "b.log", "c.txt", "d.txt"}));
}

TEST_F(DirEnumTest, NonDirectoryIsInvalidParameter) {
  FileObject* f = MustOpen({.name = "/d/a.txt"});
  std::vector<Entry> entries;
  EXPECT_EQ(Query(&entries, 0, "", 0, 4096, nullptr, f), NtStatus::InvalidParameter);
  Close(f);
}

TEST_F(DirEnumTest, FullInformationCarriesStat) {
  Close(MakeFile("/d/e.txt", "12345"));
  alignas(8) std::byte buffer[2048];
  uint64_t used = 0;
  ASSERT_EQ(Send(
                dir_, IrpMajor::DirectoryControl, minor::kQueryDirectory, 0,
                [](IoStackLocation* sl) {
                  auto& p = sl->parameters.queryDirectory;
                  p.length = sizeof buffer;
                  p.fileInformationClass = FileInformationClass::FileFullDirectoryInformation;
                  p.fileName = "e.txt";
                },
                buffer, &used),
            NtStatus::Success);
  auto* e = reinterpret_cast<const DirEntryHeader*>(buffer);
  EXPECT_EQ(DirEntryName(e), "e.txt");
  EXPECT_EQ(e->stat.size, 5u);
  EXPECT_EQ(e->nextEntryOffset, 0u);
}

// The mini learns from the filler whether the query needs more than id and type, so it
// can skip fetching attributes for FileDirectoryInformation (a FUSE READDIR).
TEST_F(DirEnumTest, OnlyFullInformationAsksTheMiniForFullStats) {
  std::vector<Entry> entries;
  ASSERT_EQ(Query(&entries, sl::kRestartScan), NtStatus::Success);
  EXPECT_EQ(fs_->lastFindNeedsFullStat.load(), 0);
  alignas(8) std::byte buffer[2048];
  uint64_t used = 0;
  ASSERT_EQ(Send(
                dir_, IrpMajor::DirectoryControl, minor::kQueryDirectory, sl::kRestartScan,
                [](IoStackLocation* sl) {
                  auto& p = sl->parameters.queryDirectory;
                  p.length = sizeof buffer;
                  p.fileInformationClass = FileInformationClass::FileFullDirectoryInformation;
                },
                buffer, &used),
            NtStatus::Success);
  EXPECT_EQ(fs_->lastFindNeedsFullStat.load(), 1);
}

// Each query hands the mini the context of the open it enumerates (a mini keeps its
// directory stream there); the emptiness probe before a delete belongs to no open and
// passes none, so it cannot move any open's stream.
TEST_F(DirEnumTest, FindFilesGetsTheEnumeratingOpensContext) {
  void* first = fs_->lastOpenContext.load();  // dir_'s, opened last in SetUp
  FileObject* second = MustOpen({.name = "/d"});
  ASSERT_NE(second, nullptr);
  void* other = fs_->lastOpenContext.load();
  ASSERT_NE(first, other);
  std::vector<Entry> entries;
  ASSERT_EQ(Query(&entries, sl::kRestartScan, "", 0, 4096, nullptr, second), NtStatus::Success);
  EXPECT_EQ(fs_->lastFindOpenContext.load(), other);
  ASSERT_EQ(Query(&entries, sl::kRestartScan), NtStatus::Success);
  EXPECT_EQ(fs_->lastFindOpenContext.load(), first);
  Close(second);

  FileObject* doomed = MustOpen({.name = "/d", .access = access::kDelete});
  ASSERT_NE(doomed, nullptr);
  EXPECT_EQ(SetInfo(doomed, FileInformationClass::FileDispositionInformation,
                    FileDispositionInfo{disposition_flag::kDelete}),
            NtStatus::DirectoryNotEmpty);
  EXPECT_EQ(fs_->lastFindOpenContext.load(), nullptr);
  Close(doomed);
}

TEST(DirEntryPackerTest, NeedsFullStatFollowsTheInformationClass) {
  alignas(8) std::byte buffer[256];
  DirEntryPacker names(buffer, sizeof buffer, {}, false, false, 0);
  DirEntryPacker full(buffer, sizeof buffer, {}, true, false, 0);
  EXPECT_FALSE(names.NeedsFullStat());
  EXPECT_TRUE(full.NeedsFullStat());
}

}  // namespace
}  // namespace irpfs::fsclass::testing
