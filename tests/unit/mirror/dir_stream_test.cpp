// Directory enumeration through an open's host directory stream (dir_stream.h): a listing
// continues without seeking or rereading, other cookies seek, each open has its own
// stream, and entries changing during a listing behave as on one host stream.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mirror_fixture.h"

namespace irpfs::mirror::testing {
namespace {

using fsclass::NodeRef;
using fsclass::OperationContext;

// Takes at most `limit` entries per call, as a READDIR reply does.
class Chunk : public fsclass::DirectoryFiller {
 public:
  explicit Chunk(size_t limit) : limit_(limit) {}
  bool Add(std::string_view name, uint64_t cookie, const FileStat&) override {
    if (names.size() >= limit_) return false;
    names.emplace_back(name);
    cookies.push_back(cookie);
    return true;
  }
  bool NeedsFullStat() const override { return false; }
  std::vector<std::string> names;
  std::vector<uint64_t> cookies;

 private:
  size_t limit_;
};

// One listed entry and the cookie to resume after it.
struct Listed {
  std::string name;
  uint64_t cookie;
};

class DirStreamTest : public MirrorTest {
 protected:
  // These tests count the stream's reads and seeks: no read-ahead thread racing them
  // (DirReadAheadTest below has it on).
  std::string MoreOptions() const override { return ",dir_readahead=off"; }

  // An open of a host directory for listing, as OPENDIR makes one.
  struct DirOpen {
    NodeRef node;
    void* context = nullptr;
  };

  DirOpen OpenDir(const std::string& name) {
    DirOpen d;
    EXPECT_EQ(mirror_->Lookup(ctx_, mirror_->Root(), name, &d.node), NtStatus::Success);
    EXPECT_EQ(mirror_->Open(ctx_, d.node, access::kReadData | access::kExecute, 0, &d.context),
              NtStatus::Success);
    EXPECT_NE(d.context, nullptr);
    return d;
  }
  void CloseDir(const DirOpen& d) {
    mirror_->Cleanup(ctx_, d.node, d.context);
    mirror_->Close(d.node, d.context);
    mirror_->Forget(d.node);
  }
  static const DirStream& StreamOf(const DirOpen& d) {
    return *static_cast<OpenFile*>(d.context)->directory;
  }

  // One call: up to `limit` entries after `cookie`.
  std::vector<Listed> Next(const DirOpen& d, uint64_t cookie, size_t limit) {
    Chunk chunk(limit);
    EXPECT_EQ(mirror_->FindFiles(ctx_, d.node, d.context, cookie, chunk), NtStatus::Success);
    std::vector<Listed> out;
    for (size_t i = 0; i < chunk.names.size(); ++i)
      out.push_back({chunk.names[i], chunk.cookies[i]});
    return out;
  }

  // Lists from `cookie` to the end in calls of `limit` entries, each resuming at the
  // last cookie the previous one returned (as the kernel's READDIRs do).
  std::vector<Listed> ListFrom(const DirOpen& d, uint64_t cookie, size_t limit) {
    std::vector<Listed> all;
    for (int calls = 0; calls < 100000; ++calls) {
      std::vector<Listed> part = Next(d, cookie, limit);
      if (part.empty()) break;
      cookie = part.back().cookie;
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }

  static std::vector<std::string> NamesOf(const std::vector<Listed>& listed) {
    std::vector<std::string> names;
    for (const Listed& l : listed) names.push_back(l.name);
    return names;
  }

  // `count` files named "<prefix><i>" with long names, so the listing spans several
  // getdents64 buffers.
  std::set<std::string> MakeFiles(const std::string& dir, int count,
                                  const std::string& prefix = "entry-with-a-long-name-") {
    std::set<std::string> names;
    for (int i = 0; i < count; ++i) {
      std::string name = prefix + std::to_string(i);
      WriteHostFile(Host(dir + "/" + name), "");
      names.insert(name);
    }
    return names;
  }

  static std::set<std::string> SetOf(const std::vector<std::string>& names) {
    return std::set<std::string>(names.begin(), names.end());
  }

  // Test bodies run with and without read-ahead.
  void ListConcurrently();
  void ChangeMidListing();
  void ListBare(const std::string& name, size_t files, DirStream& stream,
                std::vector<std::string>* host);
  // The most records' bytes a stream reads before handing them out: one batch, and
  // with read-ahead the feed too.
  virtual size_t MostReadAhead() const { return DirStream::kBufferSize / 2; }

  OperationContext ctx_;
};

TEST_F(DirStreamTest, ListingContinuesWithoutSeekingOrRereading) {
  ASSERT_EQ(mkdir(Host("big").c_str(), 0755), 0);
  std::set<std::string> expected = MakeFiles("big", 3000);
  DirOpen d = OpenDir("big");
  std::vector<std::string> names = NamesOf(ListFrom(d, 0, 50));
  EXPECT_EQ(names.size(), expected.size());  // no entry twice
  EXPECT_EQ(SetOf(names), expected);
  const DirStream& stream = StreamOf(d);
  EXPECT_EQ(stream.seeks(), 0u);
  // 3000 records of ~48 bytes fill about five 32 KiB buffers, read once each (plus the
  // read that finds the end); 61 calls that each reread would make at least 61.
  EXPECT_LE(stream.reads(), 10u);
  CloseDir(d);
}

TEST_F(DirStreamTest, SeekToAnOlderCookieListsAgainFromThere) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  MakeFiles("d", 1500);
  DirOpen d = OpenDir("d");
  std::vector<Listed> first = ListFrom(d, 0, 64);
  ASSERT_EQ(first.size(), 1500u);
  uint64_t seeksBefore = StreamOf(d).seeks();
  // telldir after entry 200, seekdir there: the rest of the listing again, in order.
  std::vector<Listed> again = ListFrom(d, first[199].cookie, 64);
  std::vector<Listed> tail(first.begin() + 200, first.end());
  EXPECT_EQ(NamesOf(again), NamesOf(tail));
  EXPECT_EQ(StreamOf(d).seeks(), seeksBefore + 1);  // one seek, then it continues
  // And a cookie ahead of the stream (an NFS-style restart elsewhere).
  std::vector<Listed> ahead = Next(d, first[1000].cookie, 5);
  ASSERT_EQ(ahead.size(), 5u);
  EXPECT_EQ(ahead[0].name, first[1001].name);
  EXPECT_EQ(ahead[4].name, first[1005].name);
  CloseDir(d);
}

// The kernel asks again for the tail of a reply its caller had no room for: a cookie of
// a record still in the buffer goes back there without a seek or a reread.
TEST_F(DirStreamTest, ResumingInsideTheBufferNeedsNoSeek) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  MakeFiles("d", 400);
  DirOpen d = OpenDir("d");
  std::vector<Listed> first = Next(d, 0, 100);
  ASSERT_EQ(first.size(), 100u);
  uint64_t reads = StreamOf(d).reads();
  std::vector<Listed> again = Next(d, first[59].cookie, 40);
  ASSERT_EQ(again.size(), 40u);
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].name, first[60 + i].name);
  EXPECT_EQ(StreamOf(d).seeks(), 0u);
  EXPECT_EQ(StreamOf(d).reads(), reads);
  // And on from there to the end: every entry after the 60th once.
  std::vector<Listed> rest = ListFrom(d, again.back().cookie, 70);
  EXPECT_EQ(rest.size(), 400u - 100u);
  EXPECT_EQ(StreamOf(d).seeks(), 0u);
  CloseDir(d);
}

// The tail the kernel asks for again may begin in the batch before the current one (its
// replies are about a batch long): the stream goes back there too, and on through the
// current batch, without a seek or a reread.
TEST_F(DirStreamTest, ResumingInThePreviousBatchNeedsNoSeek) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  MakeFiles("d", 3000);
  DirOpen d = OpenDir("d");
  std::vector<Listed> first = Next(d, 0, 1000);  // ~48-byte records: past the first batch
  ASSERT_EQ(first.size(), 1000u);
  ASSERT_EQ(StreamOf(d).reads(), 2u) << "the test wants a call that spans two batches";
  uint64_t reads = StreamOf(d).reads();
  std::vector<Listed> again = Next(d, first[299].cookie, 1000);
  ASSERT_EQ(again.size(), 1000u);
  for (size_t i = 0; i < 700; ++i) EXPECT_EQ(again[i].name, first[300 + i].name) << i;
  EXPECT_EQ(StreamOf(d).seeks(), 0u);
  // 700 of those came from the buffer; only what lies beyond was read.
  EXPECT_LE(StreamOf(d).reads(), reads + 1);
  std::vector<Listed> rest = ListFrom(d, again.back().cookie, 64);
  EXPECT_EQ(rest.size(), 3000u - 1300u);
  EXPECT_EQ(StreamOf(d).seeks(), 0u);
  CloseDir(d);
}

TEST_F(DirStreamTest, RewindStartsOverAndSeesEntriesMadeSince) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  std::set<std::string> expected = MakeFiles("d", 300);
  DirOpen d = OpenDir("d");
  EXPECT_EQ(SetOf(NamesOf(ListFrom(d, 0, 40))), expected);
  WriteHostFile(Host("d/late"), "");
  expected.insert("late");
  std::vector<std::string> rewound = NamesOf(ListFrom(d, 0, 40));
  EXPECT_EQ(rewound.size(), expected.size());
  EXPECT_EQ(SetOf(rewound), expected);
  CloseDir(d);
}

// Cookie 0 on a stream that already reached the end of an empty directory is a rewind,
// not a continuation at the end.
TEST_F(DirStreamTest, RewindOfAnEmptyDirectorySeesWhatWasCreatedSince) {
  ASSERT_EQ(mkdir(Host("empty").c_str(), 0755), 0);
  DirOpen d = OpenDir("empty");
  EXPECT_TRUE(Next(d, 0, 10).empty());
  WriteHostFile(Host("empty/new"), "");
  std::vector<Listed> after = Next(d, 0, 10);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].name, "new");
  CloseDir(d);
}

TEST_F(DirStreamTest, TwoOpensKeepTwoStreams) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  std::set<std::string> expected = MakeFiles("d", 1200);
  DirOpen a = OpenDir("d");
  DirOpen b = OpenDir("d");
  std::vector<std::string> namesA, namesB;
  uint64_t cookieA = 0, cookieB = 0;
  for (bool moreA = true, moreB = true; moreA || moreB;) {
    if (moreA) {
      std::vector<Listed> part = Next(a, cookieA, 30);
      moreA = !part.empty();
      if (moreA) cookieA = part.back().cookie;
      for (const Listed& l : part) namesA.push_back(l.name);
    }
    if (moreB) {
      std::vector<Listed> part = Next(b, cookieB, 17);
      moreB = !part.empty();
      if (moreB) cookieB = part.back().cookie;
      for (const Listed& l : part) namesB.push_back(l.name);
    }
  }
  EXPECT_EQ(namesA.size(), expected.size());
  EXPECT_EQ(SetOf(namesA), expected);
  EXPECT_EQ(namesA, namesB);  // one directory, one order
  EXPECT_EQ(StreamOf(a).seeks(), 0u);
  EXPECT_EQ(StreamOf(b).seeks(), 0u);
  CloseDir(a);
  CloseDir(b);
}

// Listings on two threads at once, on two opens and on one open shared by both threads
// (each thread then seeks the shared stream to its own cookie: slow, but right).
TEST_F(DirStreamTest, ConcurrentListingsEachSeeEveryEntry) {
  ListConcurrently();
}

void DirStreamTest::ListConcurrently() {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  std::set<std::string> expected = MakeFiles("d", 800);
  DirOpen a = OpenDir("d");
  DirOpen b = OpenDir("d");
  auto lister = [&](const DirOpen& d, size_t limit, std::vector<std::string>* out) {
    for (int round = 0; round < 5; ++round) *out = NamesOf(ListFrom(d, 0, limit));
  };
  std::vector<std::string> r1, r2, r3, r4;
  {
    std::thread t1(lister, std::cref(a), 23, &r1);
    std::thread t2(lister, std::cref(b), 41, &r2);
    std::thread t3(lister, std::cref(a), 7, &r3);
    lister(b, 64, &r4);
    t1.join();
    t2.join();
    t3.join();
  }
  for (const auto* r : {&r1, &r2, &r3, &r4}) {
    EXPECT_EQ(r->size(), expected.size());
    EXPECT_EQ(SetOf(*r), expected);
  }
  CloseDir(a);
  CloseDir(b);
}

// POSIX, as for a host process reading through one stream: entries that stay are listed
// exactly once, entries created or removed during the listing at most once. And the
// stream holds only one buffer of records: entries removed well ahead of it are gone.
TEST_F(DirStreamTest, EntriesCreatedAndRemovedMidListing) {
  ChangeMidListing();
}

void DirStreamTest::ChangeMidListing() {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  std::set<std::string> all = MakeFiles("d", 3000);
  DirOpen d = OpenDir("d");
  // A first call that takes nothing (a reply too small for one entry), then 20.
  ASSERT_TRUE(Next(d, 0, 0).empty());
  std::vector<Listed> head = Next(d, 0, 20);
  ASSERT_EQ(head.size(), 20u);
  std::set<std::string> listedFirst = SetOf(NamesOf(head));
  // Remove every entry not listed yet except every tenth; make new ones.
  std::set<std::string> removed, stay = listedFirst, created;
  int i = 0;
  for (const std::string& name : all) {
    if (listedFirst.count(name)) continue;
    if (i++ % 10 == 0) {
      stay.insert(name);
      continue;
    }
    ASSERT_EQ(unlink(Host("d/" + name).c_str()), 0);
    removed.insert(name);
  }
  for (int n = 0; n < 200; ++n) {
    std::string name = "created-" + std::to_string(n);
    WriteHostFile(Host("d/" + name), "");
    created.insert(name);
  }
  std::vector<std::string> rest = NamesOf(ListFrom(d, head.back().cookie, 50));
  std::map<std::string, int> times;
  for (const std::string& name : NamesOf(head)) ++times[name];
  for (const std::string& name : rest) ++times[name];
  for (const std::string& name : stay) EXPECT_EQ(times[name], 1) << name;
  size_t removedSeen = 0;
  for (const auto& [name, n] : times) {
    EXPECT_LE(n, 1) << name;
    EXPECT_TRUE(stay.count(name) || removed.count(name) || created.count(name)) << name;
    removedSeen += removed.count(name);
  }
  // At most what was read before they went: one batch (half the buffer, 32 KiB, ~680
  // records of this size), and with read-ahead the feed's 96 KiB.
  EXPECT_LT(removedSeen, MostReadAhead() / 40);
  CloseDir(d);
}

TEST_F(DirStreamTest, CleanupClosesTheStreamsDescriptor) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  std::set<std::string> expected = MakeFiles("d", 100);
  auto openDescriptors = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                         std::filesystem::directory_iterator{});
  };
  DirOpen d = OpenDir("d");
  auto before = openDescriptors();
  ASSERT_EQ(Next(d, 0, 10).size(), 10u);
  EXPECT_TRUE(StreamOf(d).open());
  EXPECT_EQ(openDescriptors(), before + 1);
  mirror_->Cleanup(ctx_, d.node, d.context);
  EXPECT_EQ(openDescriptors(), before);
  // A straggler after CLEANUP still lists, through a descriptor of its own.
  EXPECT_EQ(SetOf(NamesOf(ListFrom(d, 0, 1000))), expected);
  EXPECT_EQ(openDescriptors(), before);
  mirror_->Close(d.node, d.context);
  mirror_->Forget(d.node);
}

// A directory open without list access, and calls with no open, go without a stream.
TEST_F(DirStreamTest, WithoutAnOpenEachCallReadsAfresh) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  std::set<std::string> expected = MakeFiles("d", 500);
  NodeRef node;
  ASSERT_EQ(mirror_->Lookup(ctx_, mirror_->Root(), "d", &node), NtStatus::Success);
  void* context = nullptr;
  ASSERT_EQ(mirror_->Open(ctx_, node, access::kReadAttributes, 0, &context), NtStatus::Success);
  EXPECT_EQ(context, nullptr);
  std::vector<std::string> names;
  uint64_t cookie = 0;
  for (;;) {
    Chunk chunk(33);
    ASSERT_EQ(mirror_->FindFiles(ctx_, node, nullptr, cookie, chunk), NtStatus::Success);
    if (chunk.names.empty()) break;
    cookie = chunk.cookies.back();
    names.insert(names.end(), chunk.names.begin(), chunk.names.end());
  }
  EXPECT_EQ(names.size(), expected.size());
  EXPECT_EQ(SetOf(names), expected);
  mirror_->Forget(node);
}

// The host's own order of a directory's entries ("." and ".." left out).
std::vector<std::string> HostOrder(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  return names;
}

// ReadAhead on a bare stream: the records not handed out yet move ahead of the new ones,
// the next records come from memory, and records handed out before and after the read
// can still be gone back to.
TEST_F(DirStreamTest, ReadAheadKeepsTheOrderAndWhatWasHandedOut) {
  DirStream stream;
  std::vector<std::string> host;
  ASSERT_NO_FATAL_FAILURE(ListBare("d", 3000, stream, &host));
  ASSERT_EQ(host.size(), 3000u);
  std::vector<std::string> names;
  std::vector<uint64_t> cookies;
  // Hands out up to `count` entries; false at the end of the directory.
  auto take = [&](size_t count) {
    for (size_t i = 0; i < count;) {
      int error = 0;
      const HostDirent* entry = stream.Peek(&error);
      EXPECT_EQ(error, 0);
      if (entry == nullptr) return false;
      std::string name = entry->name;
      bool dot = name == "." || name == "..";
      if (!dot) {
        names.push_back(name);
        cookies.push_back(static_cast<uint64_t>(entry->off));
        ++i;
      }
      stream.Consume(!dot);
    }
    return true;
  };
  ASSERT_TRUE(take(600));  // ~48-byte records: most of the first 32 KiB batch
  EXPECT_EQ(stream.reads(), 1u);
  ASSERT_TRUE(stream.WantsReadAhead());
  stream.ReadAhead();
  const uint64_t fed = stream.readAheads();
  EXPECT_GE(fed, 2u) << "the feed takes several batches";
  EXPECT_EQ(stream.reads(), 1 + fed);
  EXPECT_FALSE(stream.WantsReadAhead()) << "the feed is full";
  EXPECT_EQ(stream.feedBytes(), DirStream::kFeedSize);
  ASSERT_TRUE(take(300));  // the first batch's tail, then records from the feed
  EXPECT_EQ(stream.reads(), 1 + fed) << "the entries were read ahead";
  // Back to an entry handed out from the feed, then to one of the first batch.
  ASSERT_TRUE(stream.BackUpTo(cookies[849]));
  names.resize(850);
  cookies.resize(850);
  ASSERT_TRUE(take(10));
  EXPECT_TRUE(std::equal(names.begin(), names.end(), host.begin()));
  ASSERT_TRUE(stream.BackUpTo(cookies[550]));
  names.resize(551);
  cookies.resize(551);
  while (take(500)) {
  }
  EXPECT_EQ(names, host);
  EXPECT_EQ(stream.seeks(), 0u);
  EXPECT_FALSE(stream.WantsReadAhead()) << "at the end";
  EXPECT_EQ(stream.feedBytes(), 0u) << "the feed is freed at the end of the listing";
}

// Makes host directory `name` with `files` files and opens it into a bare `stream`;
// *host gets the host's order of the names.
void DirStreamTest::ListBare(const std::string& name, size_t files, DirStream& stream,
                             std::vector<std::string>* host) {
  ASSERT_EQ(mkdir(Host(name).c_str(), 0755), 0);
  MakeFiles(name, files);
  *host = HostOrder(Host(name));
  int fd = open(Host(name).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  stream.Adopt(fd);
}

// Up to `count` names (all when 0) from where a bare stream stands, "." and ".." skipped.
std::vector<std::string> TakeNames(DirStream& stream, size_t count) {
  std::vector<std::string> names;
  int error = 0;
  while (count == 0 || names.size() < count) {
    const HostDirent* entry = stream.Peek(&error);
    if (entry == nullptr) break;
    std::string name = entry->name;
    bool dot = name == "." || name == "..";
    if (!dot) names.push_back(name);
    stream.Consume(!dot);
  }
  EXPECT_EQ(error, 0);
  return names;
}

// A seek drops what the feed holds: the records there followed the old position.
TEST_F(DirStreamTest, SeekDropsTheFeed) {
  DirStream stream;
  std::vector<std::string> host;
  ASSERT_NO_FATAL_FAILURE(ListBare("d", 3000, stream, &host));
  ASSERT_EQ(TakeNames(stream, 100).size(), 100u);
  ASSERT_TRUE(stream.WantsReadAhead());
  stream.ReadAhead();
  ASSERT_GE(stream.readAheads(), 1u);
  ASSERT_EQ(stream.Seek(0), 0);  // a rewind: not in the buffer
  EXPECT_EQ(stream.seeks(), 1u);
  EXPECT_EQ(TakeNames(stream, 0), host);
}

// The read-ahead thread may run at any moment of a listing: right after a seek, during
// one, while the owner reads itself. Every pass still lists the host's order, whole
// or after a rewind halfway.
TEST_F(DirStreamTest, ReadAheadRacingTheOwnerKeepsTheOrder) {
  DirStream stream;
  std::vector<std::string> host;
  ASSERT_NO_FATAL_FAILURE(ListBare("d", 3000, stream, &host));
  std::atomic<bool> stop{false};
  std::thread feeder([&] {
    while (!stop.load()) stream.ReadAhead();
  });
  // At least 20 passes, and on until the feeder has read a few times (a busy machine
  // may not run it at all at first).
  for (int pass = 0; pass < 20 || (stream.readAheads() < 3 && pass < 2000); ++pass) {
    if (pass > 0) {
      EXPECT_EQ(stream.Seek(0), 0);
    }
    if (pass % 2 == 1) {
      std::vector<std::string> part = TakeNames(stream, 1500);
      EXPECT_TRUE(std::equal(part.begin(), part.end(), host.begin())) << "pass " << pass;
      EXPECT_EQ(stream.Seek(0), 0);
    }
    EXPECT_EQ(TakeNames(stream, 0), host) << "pass " << pass;
  }
  stop = true;
  feeder.join();
  EXPECT_GE(stream.readAheads(), 1u);
}

// The same listings with the mirror's read-ahead thread on, as a mount has it.
class DirReadAheadTest : public DirStreamTest {
 protected:
  std::string MoreOptions() const override { return ""; }
  size_t MostReadAhead() const override {
    return DirStream::kBufferSize / 2 + DirStream::kFeedSize;
  }

  // Waits (up to 20 s) until no read-ahead is queued or running.
  void WaitForReadAheads() {
    for (int i = 0; i < 20000 && !mirror_->DirReadAheadIdle(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(mirror_->DirReadAheadIdle());
  }

  struct Counts {
    uint64_t reads, readAheads, seeks;
  };
  // The stream's counters, read under its lock (the read-ahead thread writes them).
  static Counts CountsOf(const DirOpen& d) {
    DirStream& stream = *static_cast<OpenFile*>(d.context)->directory;
    std::lock_guard lock(stream.mutex);
    return {stream.reads(), stream.readAheads(), stream.seeks()};
  }
};

// Replies of 600 entries (a glibc caller's 32 KiB): after each the feed is filled up
// again behind what is buffered, and the next call finds its entries in memory.
TEST_F(DirReadAheadTest, EachCallFindsItsEntriesReadAhead) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  MakeFiles("d", 3000);
  const std::vector<std::string> host = HostOrder(Host("d"));
  DirOpen d = OpenDir("d");
  std::vector<std::string> names;
  uint64_t cookie = 0;
  int calls = 0;
  for (;; ++calls) {
    std::vector<Listed> part = Next(d, cookie, 600);
    WaitForReadAheads();
    if (part.empty()) break;
    cookie = part.back().cookie;
    for (const Listed& l : part) names.push_back(l.name);
  }
  EXPECT_EQ(names, host);
  Counts counts = CountsOf(d);
  EXPECT_EQ(counts.seeks, 0u);
  EXPECT_GE(counts.readAheads, 4u);
  // The calls' own reads: the first call's, and at the end those that find nothing (the
  // call that takes the last entries and the empty one after it). Without read-ahead
  // every call reads at least once: 6 or more here.
  EXPECT_LE(counts.reads - counts.readAheads, 3u) << calls << " calls";
  EXPECT_GE(mirror_->DirReadAheads(), 2u) << "one run reads several batches";
  CloseDir(d);
}

// The kernel asks again for the tail of a reply its caller had no room for: the
// read-ahead fills the feed, not the buffer, so that reply's entries are still there.
TEST_F(DirReadAheadTest, TheTailOfTheLastReplyIsStillBuffered) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  std::set<std::string> expected = MakeFiles("d", 3000);
  DirOpen d = OpenDir("d");
  std::vector<Listed> first = Next(d, 0, 600);
  ASSERT_EQ(first.size(), 600u);
  WaitForReadAheads();
  EXPECT_GE(CountsOf(d).readAheads, 1u);
  std::vector<Listed> again = Next(d, first[499].cookie, 100);
  ASSERT_EQ(again.size(), 100u);
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].name, first[500 + i].name);
  std::vector<Listed> rest = ListFrom(d, again.back().cookie, 600);
  std::vector<std::string> names = NamesOf(first);
  for (const Listed& l : rest) names.push_back(l.name);
  EXPECT_EQ(names.size(), expected.size());
  EXPECT_EQ(SetOf(names), expected);
  EXPECT_EQ(CountsOf(d).seeks, 0u);
  CloseDir(d);
}

// Opens that end while their read-ahead is queued or running: the queue keeps the stream
// alive, CLEANUP closes its descriptor, nothing leaks.
TEST_F(DirReadAheadTest, OpensEndingWithAReadAheadPendingLeakNothing) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  MakeFiles("d", 2000);
  auto openDescriptors = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                         std::filesystem::directory_iterator{});
  };
  auto before = openDescriptors();
  for (int round = 0; round < 50; ++round) {
    DirOpen d = OpenDir("d");
    ASSERT_EQ(Next(d, 0, 600).size(), 600u);
    CloseDir(d);
  }
  WaitForReadAheads();
  EXPECT_EQ(openDescriptors(), before);
}

// A reply with full attributes (READDIRPLUS) of a long listing: the read-ahead starts
// while it is being filled, not after it. A short directory queues none.
TEST_F(DirReadAheadTest, AReplyWithAttributesStartsTheReadAheadAtOnce) {
  // Takes full stats; at its 100th entry waits (up to 5 s) for a read-ahead to finish.
  class WaitingFiller : public fsclass::DirectoryFiller {
   public:
    explicit WaitingFiller(MirrorFs* mirror) : mirror_(mirror) {}
    bool Add(std::string_view, uint64_t, const FileStat&) override {
      if (++added_ == 100) {
        for (int i = 0; i < 5000 && mirror_->DirReadAheads() == 0; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        readAheadDuringTheCall = mirror_->DirReadAheads() > 0;
      }
      return added_ < 600;
    }
    bool NeedsFullStat() const override { return true; }
    bool readAheadDuringTheCall = false;

   private:
    MirrorFs* mirror_;
    size_t added_ = 0;
  };
  ASSERT_EQ(mkdir(Host("small").c_str(), 0755), 0);
  MakeFiles("small", 10);
  DirOpen small = OpenDir("small");
  WaitingFiller smallFiller(mirror_);
  ASSERT_EQ(mirror_->FindFiles(ctx_, small.node, small.context, 0, smallFiller), NtStatus::Success);
  CloseDir(small);
  WaitForReadAheads();
  EXPECT_EQ(mirror_->DirReadAheads(), 0u) << "ten entries: no read-ahead";

  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  MakeFiles("d", 3000);
  DirOpen d = OpenDir("d");
  WaitingFiller filler(mirror_);
  ASSERT_EQ(mirror_->FindFiles(ctx_, d.node, d.context, 0, filler), NtStatus::Success);
  EXPECT_TRUE(filler.readAheadDuringTheCall);
  WaitForReadAheads();
  CloseDir(d);
}

TEST_F(DirReadAheadTest, ConcurrentListingsEachSeeEveryEntry) {
  ListConcurrently();
}

TEST_F(DirReadAheadTest, EntriesCreatedAndRemovedMidListing) {
  ChangeMidListing();
}

}  // namespace
}  // namespace irpfs::mirror::testing
