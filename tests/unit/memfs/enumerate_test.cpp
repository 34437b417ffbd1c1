#include <atomic>
#include <set>
#include <thread>

#include "memfs_fixture.h"

namespace irpfs::memfs::testing {
namespace {

using EnumerateTest = MemfsTest;

TEST_F(EnumerateTest, ListsEntriesWithStatsInCreationOrder) {
  NodeRef dir = MakeDir(root(), "d");
  MakeFile(dir, "b");
  MakeDir(dir, "a");
  Make(dir, "c", S_IFLNK | 0777, "b");
  CollectingFiller filler;
  ASSERT_EQ(fs_->FindFiles(ctx_, dir, nullptr, 0, filler), NtStatus::Success);
  ASSERT_EQ(filler.entries.size(), 3u);
  EXPECT_EQ(filler.entries[0].name, "b");
  EXPECT_TRUE(S_ISREG(filler.entries[0].stat.mode));
  EXPECT_EQ(filler.entries[1].name, "a");
  EXPECT_TRUE(S_ISDIR(filler.entries[1].stat.mode));
  EXPECT_TRUE(S_ISLNK(filler.entries[2].stat.mode));
  EXPECT_EQ(filler.entries[2].stat.fileId, Lookup(dir, "c").fileId);
  // Cookies start after the class driver's "." (1) and ".." (2), and only grow.
  EXPECT_GE(filler.entries[0].cookie, 3u);
  EXPECT_LT(filler.entries[0].cookie, filler.entries[1].cookie);
  EXPECT_LT(filler.entries[1].cookie, filler.entries[2].cookie);
}

// A names-only enumeration (FUSE READDIR) reports the same ids and types, and no more.
TEST_F(EnumerateTest, NamesOnlyReportsIdsAndTypesWithoutAttributes) {
  NodeRef dir = MakeDir(root(), "d");
  NodeRef file = MakeFile(dir, "f");
  ASSERT_EQ(Write(file, "hello", 0), NtStatus::Success);
  MakeDir(dir, "sub");
  Make(dir, "link", S_IFLNK | 0777, "f");
  CollectingFiller full;
  CollectingFiller names(SIZE_MAX, false);
  ASSERT_EQ(fs_->FindFiles(ctx_, dir, nullptr, 0, full), NtStatus::Success);
  ASSERT_EQ(fs_->FindFiles(ctx_, dir, nullptr, 0, names), NtStatus::Success);
  ASSERT_EQ(names.entries.size(), 3u);
  ASSERT_EQ(full.entries.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const auto& n = names.entries[i];
    const auto& f = full.entries[i];
    EXPECT_EQ(n.name, f.name);
    EXPECT_EQ(n.cookie, f.cookie);
    EXPECT_EQ(n.stat.fileId, f.stat.fileId) << n.name;
    EXPECT_EQ(n.stat.mode, f.stat.mode & S_IFMT) << n.name;
    EXPECT_EQ(n.stat.fileId, Lookup(dir, n.name).fileId) << n.name;
  }
  EXPECT_EQ(full.entries[0].stat.size, 5u);
  EXPECT_EQ(names.entries[0].stat.size, 0u);  // not fetched
  EXPECT_EQ(names.entries[0].stat.nlink, 0u);
}

TEST_F(EnumerateTest, ResumesAfterACookie) {
  for (int i = 0; i < 50; ++i) MakeFile(root(), "f" + std::to_string(i));
  std::vector<std::string> seen;
  uint64_t cookie = 0;
  for (;;) {
    CollectingFiller filler(7);  // a small buffer: many calls
    ASSERT_EQ(fs_->FindFiles(ctx_, root(), nullptr, cookie, filler), NtStatus::Success);
    if (filler.entries.empty()) break;
    for (auto& e : filler.entries) seen.push_back(e.name);
    cookie = filler.entries.back().cookie;
  }
  ASSERT_EQ(seen.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(seen[i], "f" + std::to_string(i));
}

TEST_F(EnumerateTest, CookiesSurviveRemovalOfOtherEntries) {
  for (int i = 0; i < 10; ++i) MakeFile(root(), "f" + std::to_string(i));
  CollectingFiller first(5);
  ASSERT_EQ(fs_->FindFiles(ctx_, root(), nullptr, 0, first), NtStatus::Success);
  uint64_t resume = first.entries.back().cookie;  // after f4
  // Remove the entry the cookie names and one before it; add a new one.
  ASSERT_EQ(fs_->Remove(ctx_, root(), "f4"), NtStatus::Success);
  ASSERT_EQ(fs_->Remove(ctx_, root(), "f1"), NtStatus::Success);
  MakeFile(root(), "new");
  CollectingFiller rest;
  ASSERT_EQ(fs_->FindFiles(ctx_, root(), nullptr, resume, rest), NtStatus::Success);
  std::vector<std::string> names;
  for (auto& e : rest.entries) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"f5", "f6", "f7", "f8", "f9", "new"}));
}

TEST_F(EnumerateTest, StableUnderConcurrentInsertAndRemove) {
  NodeRef dir = MakeDir(root(), "d");
  constexpr int kStable = 300;
  for (int i = 0; i < kStable; ++i) MakeFile(dir, "stable" + std::to_string(i));

  std::atomic<bool> stop{false};
  std::thread churn([&] {
    OperationContext ctx;
    fsclass::NewNodeSpec spec;
    spec.mode = S_IFREG | 0600;
    for (int round = 0; !stop.load(); ++round) {
      std::string name = "churn" + std::to_string(round % 40);
      NodeRef out;
      if (NtSuccess(fs_->Create(ctx, dir, name, spec, &out))) fs_->Forget(out);
      fs_->Remove(ctx, dir, "churn" + std::to_string((round + 20) % 40));
    }
  });

  for (int pass = 0; pass < 20; ++pass) {
    std::multiset<std::string> stableSeen;
    uint64_t cookie = 0;
    uint64_t lastCookie = 0;
    for (;;) {
      CollectingFiller filler(13);
      ASSERT_EQ(fs_->FindFiles(ctx_, dir, nullptr, cookie, filler), NtStatus::Success);
      if (filler.entries.empty()) break;
      for (auto& e : filler.entries) {
        EXPECT_GT(e.cookie, lastCookie);  // strictly increasing: no repeats
        lastCookie = e.cookie;
        if (e.name.starts_with("stable")) stableSeen.insert(e.name);
      }
      cookie = filler.entries.back().cookie;
    }
    // Every entry that existed throughout was seen exactly once.
    EXPECT_EQ(stableSeen.size(), static_cast<size_t>(kStable));
    EXPECT_EQ(std::set<std::string>(stableSeen.begin(), stableSeen.end()).size(),
              static_cast<size_t>(kStable));
  }
  stop = true;
  churn.join();
}

TEST_F(EnumerateTest, FindFilesOnAFileFails) {
  NodeRef file = MakeFile(root(), "f");
  CollectingFiller filler;
  EXPECT_EQ(fs_->FindFiles(ctx_, file, nullptr, 0, filler), NtStatus::NotADirectory);
}

}  // namespace
}  // namespace irpfs::memfs::testing
