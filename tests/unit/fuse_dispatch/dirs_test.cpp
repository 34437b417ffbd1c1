// READDIR and READDIRPLUS: offsets that resume where a short reply stopped, and the
// lookups readdirplus entries count.
#include <dirent.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "dispatch_harness.h"

namespace irpfs::fuse::testing {
namespace {

class DirTest : public DispatchTest {
 protected:
  void SetUp() override {
    DispatchTest::SetUp();
    dir_ = EntryOf(Mkdir(kRootId, "dir")).nodeid;
    for (int i = 0; i < kFiles; ++i) {
      uint64_t node, fh;
      MustCreate(dir_, "file-with-a-longish-name-" + std::to_string(i), &node, &fh);
      EXPECT_EQ(Release(node, fh).error, 0);
      // Forget what the creates counted, so readdirplus starts from unknown nodes.
      Forget(node, 1);
    }
    EntryOf(Mkdir(dir_, "sub"));
  }
  static constexpr int kFiles = 60;
  uint64_t dir_ = 0;
};

TEST_F(DirTest, ReaddirResumesAtTheOffsetOfTheLastEntry) {
  // Small replies force many rounds; every name comes exactly once.
  std::vector<Listed> all = ListAll(dir_, 512, false);
  std::multiset<std::string> names;
  for (const Listed& item : all) names.insert(item.name);
  EXPECT_EQ(names.count("."), 1u);
  EXPECT_EQ(names.count(".."), 1u);
  EXPECT_EQ(names.count("sub"), 1u);
  for (int i = 0; i < kFiles; ++i) {
    EXPECT_EQ(names.count("file-with-a-longish-name-" + std::to_string(i)), 1u) << i;
  }
  EXPECT_EQ(all.size(), kFiles + 3u);
  for (const Listed& item : all) {
    EXPECT_NE(item.off, 0u) << item.name;
    EXPECT_NE(item.ino, 0u) << item.name;
    if (item.name == "sub") {
      EXPECT_EQ(item.type, static_cast<uint32_t>(DT_DIR));
    }
    if (item.name.starts_with("file")) {
      EXPECT_EQ(item.type, static_cast<uint32_t>(DT_REG));
    }
  }
  // Plain readdir counts no lookups.
  EXPECT_EQ(dispatcher().nodes().LiveCount(), 3u);  // root, dir, sub; none of the files
}

TEST_F(DirTest, ReaddirFromAMiddleOffsetSkipsWhatWasSent) {
  Answer opened = Opendir(dir_);
  uint64_t fh = opened.As<fuse_open_out>().fh;
  std::vector<Listed> first = ParseDirents(Readdir(dir_, fh, 0, 4096, false), false);
  ASSERT_GT(first.size(), 10u);
  // Resume after the fifth entry on the same handle, as after a seekdir.
  std::vector<Listed> rest = ParseDirents(Readdir(dir_, fh, first[4].off, 4096, false), false);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest[0].name, first[5].name);
  // And from the start again.
  std::vector<Listed> again = ParseDirents(Readdir(dir_, fh, 0, 4096, false), false);
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again[0].name, first[0].name);
  EXPECT_EQ(Releasedir(dir_, fh).error, 0);
}

TEST_F(DirTest, ReaddirplusCountsALookupForEverySentEntryButDotAndDotDot) {
  std::vector<Listed> all = ListAll(dir_, 1024, true);
  EXPECT_EQ(all.size(), kFiles + 3u);
  std::map<uint64_t, int> sent;
  uint64_t sub = 0;
  for (const Listed& item : all) {
    if (item.name == "sub") sub = item.nodeid;
    if (item.name == "." || item.name == "..") {
      EXPECT_EQ(item.nodeid, 0u) << item.name;
      continue;
    }
    EXPECT_NE(item.nodeid, 0u) << item.name;
    ++sent[item.nodeid];
  }
  EXPECT_EQ(sent.size(), kFiles + 1u);
  for (auto [nodeid, count] : sent) {
    // "sub" was looked up once by its mkdir already.
    uint64_t expected = count + (nodeid == sub ? 1 : 0);
    EXPECT_EQ(dispatcher().nodes().LookupCount(NodeId{nodeid}), expected);
  }
}

TEST_F(DirTest, ReaddirplusOfAKnownNodeCountsWithoutANewNode) {
  uint64_t sub = EntryOf(Lookup(dir_, "sub")).nodeid;  // count 2 (mkdir + lookup)
  size_t live = dispatcher().nodes().LiveCount();
  Answer opened = Opendir(dir_);
  uint64_t fh = opened.As<fuse_open_out>().fh;
  // Keep reading until "sub" went out.
  uint64_t offset = 0;
  bool seen = false;
  while (!seen) {
    std::vector<Listed> part = ParseDirents(Readdir(dir_, fh, offset, 2048, true), true);
    ASSERT_FALSE(part.empty());
    for (const Listed& item : part) {
      if (item.name == "sub") {
        EXPECT_EQ(item.nodeid, sub);
        seen = true;
      }
    }
    offset = part.back().off;
  }
  EXPECT_EQ(dispatcher().nodes().LookupCount(NodeId{sub}), 3u);
  EXPECT_GT(dispatcher().nodes().LiveCount(), live);  // the files got nodes
  EXPECT_EQ(Releasedir(dir_, fh).error, 0);
}

TEST_F(DirTest, ReaddirplusForgetsReleaseTheNodes) {
  std::vector<Listed> all = ListAll(dir_, 4096, true);
  for (const Listed& item : all) {
    if (item.nodeid != 0 && item.name != "sub") Forget(item.nodeid, 1);
  }
  EXPECT_EQ(dispatcher().nodes().LiveCount(), 3u);  // root, dir, sub
}

TEST_F(DispatchTest, ReaddirOfAStaleHandleIsEbadf) {
  EXPECT_EQ(Readdir(kRootId, 12345, 0, 4096, false).error, EBADF);
  EXPECT_EQ(Readdir(kRootId, 12345, 0, 4096, true).error, EBADF);
}

TEST_F(DispatchTest, EmptyRootListsDotAndDotDot) {
  std::vector<Listed> all = ListAll(kRootId, 4096, false);
  std::set<std::string> names;
  for (const Listed& item : all) names.insert(item.name);
  EXPECT_EQ(names, (std::set<std::string>{".", ".."}));
}

// FOPEN_CACHE_DIR lets the kernel answer listings itself; it drops one that changed behind
// it only by comparing the directory's mtime, which it re-reads only under
// FUSE_AUTO_INVAL_DATA. So the flag goes out only when that was agreed, and
// (listing_history.h) only from the second open of a directory unchanged since the first.
uint32_t OpenFlagsOf(const Answer& opened) {
  return opened.As<fuse_open_out>().open_flags;
}

class DirCacheTest : public DispatchTest {
 protected:
  // Opens directory `nodeid`, returns the reply's open flags, and closes it again.
  uint32_t OpendirFlags(uint64_t nodeid) {
    Answer opened = Opendir(nodeid);
    EXPECT_EQ(opened.error, 0);
    EXPECT_EQ(Releasedir(nodeid, opened.As<fuse_open_out>().fh).error, 0);
    return OpenFlagsOf(opened);
  }
  static constexpr uint32_t kCached = fopen::kCacheDir | fopen::kKeepCache;
};

TEST_F(DirCacheTest, ListingsAreCachedOnlyWhereTheKernelChecksTheMtime) {
  EXPECT_EQ(OpendirFlags(kRootId), 0u);
  EXPECT_EQ(OpendirFlags(kRootId), 0u) << "no FUSE_AUTO_INVAL_DATA: never";
  ConnectionInfo info;
  info.flags = init_flag::kAutoInvalData;
  dispatcher().Init(info);
  EXPECT_EQ(OpendirFlags(kRootId), 0u) << "the first open that could ask";
  EXPECT_EQ(OpendirFlags(kRootId), kCached);
  // Regular files keep the page cache only with keepCache, and never the directory flag.
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  for (int i = 0; i < 2; ++i) {
    Answer opened = Open(file, O_RDONLY);
    ASSERT_EQ(opened.error, 0);
    EXPECT_EQ(OpenFlagsOf(opened), 0u);
    EXPECT_EQ(Release(file, opened.As<fuse_open_out>().fh).error, 0);
  }
  EXPECT_EQ(Release(file, fh).error, 0);
}

TEST_F(DirCacheTest, TheFirstListingAfterAChangeIsNotCached) {
  ConnectionInfo info;
  info.flags = init_flag::kAutoInvalData;
  dispatcher().Init(info);
  uint64_t dir = EntryOf(Mkdir(kRootId, "d")).nodeid;
  uint64_t other = EntryOf(Mkdir(kRootId, "other")).nodeid;
  EXPECT_EQ(OpendirFlags(dir), 0u) << "first open";
  EXPECT_EQ(OpendirFlags(dir), kCached) << "second open, nothing changed";
  EXPECT_EQ(OpendirFlags(dir), kCached);

  // Every request that changes the names in the directory, or its mtime.
  auto expectChangedBy = [&](const char* what, auto&& change) {
    change();
    EXPECT_EQ(OpendirFlags(dir), 0u) << what;
    EXPECT_EQ(OpendirFlags(dir), kCached) << what;
  };
  uint64_t file = 0, fh = 0;
  expectChangedBy("create", [&] { MustCreate(dir, "f", &file, &fh); });
  EXPECT_EQ(Release(file, fh).error, 0);
  expectChangedBy("mkdir", [&] { EntryOf(Mkdir(dir, "sub")); });
  expectChangedBy("symlink", [&] { EntryOf(Symlink(dir, "link", "f")); });
  expectChangedBy("link", [&] { EntryOf(Link(file, dir, "hard")); });
  expectChangedBy("unlink", [&] { EXPECT_EQ(Unlink(dir, "hard").error, 0); });
  expectChangedBy("rmdir", [&] { EXPECT_EQ(Rmdir(dir, "sub").error, 0); });
  expectChangedBy("rename within", [&] { EXPECT_EQ(Rename2(dir, "f", dir, "g", 0).error, 0); });
  expectChangedBy("rename into", [&] {
    uint64_t n, h;
    MustCreate(other, "x", &n, &h);
    EXPECT_EQ(Release(n, h).error, 0);
    EXPECT_EQ(Rename2(other, "x", dir, "x", 0).error, 0);
  });
  expectChangedBy("setattr", [&] {
    fuse_setattr_in times{};
    times.valid = fattr::kMtime;
    times.mtime = 12345;
    EXPECT_EQ(Setattr(dir, times).error, 0);
  });
  // A change elsewhere leaves the directory's cache alone.
  EntryOf(Mkdir(other, "elsewhere"));
  EXPECT_EQ(OpendirFlags(dir), kCached);
}

// A kept listing has no attributes: once a LOOKUP in the directory follows one (an
// `ls -l` after the entries expired), its listings are the server's READDIRPLUS again
// until the directory changes.
TEST_F(DirCacheTest, ALookupAfterAKeptListingStopsTheCachingUntilAChange) {
  ConnectionInfo info;
  info.flags = init_flag::kAutoInvalData;
  dispatcher().Init(info);
  uint64_t dir = EntryOf(Mkdir(kRootId, "d")).nodeid;
  uint64_t file, fh;
  MustCreate(dir, "f", &file, &fh);
  EXPECT_EQ(Release(file, fh).error, 0);
  EXPECT_EQ(OpendirFlags(dir), 0u);
  EXPECT_EQ(OpendirFlags(dir), kCached);
  Forget(file, 1);
  EntryOf(Lookup(dir, "f"));
  EXPECT_EQ(OpendirFlags(dir), 0u);
  EXPECT_EQ(OpendirFlags(dir), 0u);
  EXPECT_EQ(Unlink(dir, "f").error, 0);
  EXPECT_EQ(OpendirFlags(dir), 0u);
  EXPECT_EQ(OpendirFlags(dir), kCached);
}

// autoCache (DispatcherOptions): a regular file's open keeps the page cache when the file
// is as the previous open found it, whatever changed it in between (a write through the
// mount, a truncate, a chmod, an in-process client of the volume).
class AutoCacheTest : public DispatchTest {
 protected:
  void SetUp() override {
    options_.autoCache = true;
    DispatchTest::SetUp();
  }
  // Opens `file` with `flags`, returns whether the reply keeps the cache, and closes it.
  bool KeptAtOpen(uint64_t file, int flags = O_RDONLY) {
    Answer opened = Open(file, flags);
    EXPECT_EQ(opened.error, 0);
    EXPECT_EQ(Release(file, opened.As<fuse_open_out>().fh).error, 0);
    return (OpenFlagsOf(opened) & fopen::kKeepCache) != 0;
  }
};

TEST_F(AutoCacheTest, AnOpenKeepsTheCacheOnlyWhenNothingChangedSinceThePreviousOne) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  ASSERT_EQ(Write(file, fh, 0, "first").error, 0);
  EXPECT_EQ(Release(file, fh).error, 0);
  EXPECT_FALSE(KeptAtOpen(file)) << "written since the create";
  EXPECT_TRUE(KeptAtOpen(file));
  EXPECT_TRUE(KeptAtOpen(file));

  auto expectChangedBy = [&](const char* what, auto&& change) {
    change();
    EXPECT_FALSE(KeptAtOpen(file)) << what;
    EXPECT_TRUE(KeptAtOpen(file)) << what;
  };
  expectChangedBy("a write of the same size", [&] {
    Answer opened = Open(file, O_WRONLY);
    ASSERT_EQ(opened.error, 0);
    uint64_t handle = opened.As<fuse_open_out>().fh;
    EXPECT_EQ(Write(file, handle, 0, "FIRST").error, 0);
    EXPECT_EQ(Release(file, handle).error, 0);
  });
  expectChangedBy("a truncate", [&] {
    fuse_setattr_in size{};
    size.valid = fattr::kSize;
    size.size = 2;
    EXPECT_EQ(Setattr(file, size).error, 0);
  });
  expectChangedBy("a chmod", [&] {
    fuse_setattr_in mode{};
    mode.valid = fattr::kMode;
    mode.mode = S_IFREG | 0600;
    EXPECT_EQ(Setattr(file, mode).error, 0);
  });
  EXPECT_FALSE(KeptAtOpen(file, O_RDWR | O_TRUNC)) << "O_TRUNC empties the file";
}

TEST_F(AutoCacheTest, ACreateThatOpensAnExistingFileChecksItToo) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  EXPECT_EQ(Release(file, fh).error, 0);
  EXPECT_TRUE(KeptAtOpen(file)) << "as the create left it";
  Answer again = CreateFile(kRootId, "f", O_RDWR | O_CREAT);
  ASSERT_EQ(again.error, 0);
  ASSERT_EQ(again.payload.size(), sizeof(fuse_entry_out) + sizeof(fuse_open_out));
  fuse_open_out open;
  std::memcpy(&open, again.payload.data() + sizeof(fuse_entry_out), sizeof open);
  EXPECT_NE(open.open_flags & fopen::kKeepCache, 0u);
  EXPECT_EQ(Release(file, open.fh).error, 0);
}

TEST_F(DispatchTest, WithoutAutoCacheNoOpenKeepsTheCache) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  EXPECT_EQ(Release(file, fh).error, 0);
  for (int i = 0; i < 3; ++i) {
    Answer opened = Open(file, O_RDONLY);
    ASSERT_EQ(opened.error, 0);
    EXPECT_EQ(OpenFlagsOf(opened) & fopen::kKeepCache, 0u);
    EXPECT_EQ(Release(file, opened.As<fuse_open_out>().fh).error, 0);
  }
}

class UncachedDirTest : public DispatchTest {
 protected:
  void SetUp() override {
    options_.cacheDirectories = false;
    DispatchTest::SetUp();
  }
};

TEST_F(UncachedDirTest, DirectoryOpensCarryNoCacheFlagsWhenTurnedOff) {
  ConnectionInfo info;
  info.flags = init_flag::kAutoInvalData;
  dispatcher().Init(info);
  Answer opened = Opendir(kRootId);
  ASSERT_EQ(opened.error, 0);
  EXPECT_EQ(OpenFlagsOf(opened), 0u);
  EXPECT_EQ(Releasedir(kRootId, opened.As<fuse_open_out>().fh).error, 0);
}

}  // namespace
}  // namespace irpfs::fuse::testing
