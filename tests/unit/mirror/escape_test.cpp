// The mirror never escapes its root: symlinks are returned, not followed; ".." and names
// with '/' never reach the host; a directory swapped for a symlink mid-walk leads nowhere.
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "drivers/mirror/host_calls.h"
#include "mirror_fixture.h"

namespace irpfs::mirror::testing {
namespace {

constexpr const char* kSecret = "SECRET-OUTSIDE-THE-ROOT";

// Every escape test runs twice: with openat2 (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS ...)
// and with the O_NOFOLLOW fallback kernels without openat2 get.
class MirrorEscapeTest : public MirrorTest, public ::testing::WithParamInterface<bool> {
 public:
  void SetUp() override {
    host::ForceOpenatFallbackForTesting(GetParam());
    MirrorTest::SetUp();
    WriteHostFile(outside_ + "/secret", kSecret);
    WriteHostFile(outside_ + "/f", kSecret);
  }
  void TearDown() override {
    MirrorTest::TearDown();
    host::ForceOpenatFallbackForTesting(false);
  }
};

INSTANTIATE_TEST_SUITE_P(Openat, MirrorEscapeTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "NoFollowFallback" : "Openat2";
                         });

TEST_P(MirrorEscapeTest, SymlinkToOutsideIsALinkNotItsTarget) {
  ASSERT_EQ(symlink("/etc/passwd", Host("etc-link").c_str()), 0);
  ASSERT_EQ(symlink((outside_ + "/secret").c_str(), Host("out-link").c_str()), 0);
  // Opening it for data stops at the link (ELOOP), as open(O_NOFOLLOW) would.
  Opened r = Create({.name = "/out-link", .access = access::kGenericRead});
  EXPECT_EQ(r.status, NtStatus::StoppedOnSymlink);
  Close(r.fo);
  r = Create({.name = "/etc-link", .access = access::kGenericRead});
  EXPECT_EQ(r.status, NtStatus::StoppedOnSymlink);
  Close(r.fo);
  // Opened for its attributes it is the link itself, with the target as its content.
  FileObject* fo = MustOpen({.name = "/out-link", .access = access::kReadAttributes});
  ASSERT_NE(fo, nullptr);
  FileStat st = Stat(fo);
  EXPECT_EQ(st.mode & S_IFMT, static_cast<uint32_t>(S_IFLNK));
  EXPECT_EQ(st.size, outside_.size() + 7);
  struct {
    FileSymlinkInfo header;
    char text[512];
  } out{};
  ASSERT_EQ(QueryInfo(fo, FileInformationClass::FileSymlinkInformation, &out), NtStatus::Success);
  EXPECT_EQ(std::string(out.text, out.header.targetLength), outside_ + "/secret");
  std::string data;
  EXPECT_NE(Read(fo, 0, 100, &data), NtStatus::Success);
  EXPECT_EQ(data, "");
  Close(fo);
}

TEST_P(MirrorEscapeTest, WalkingThroughASymlinkedDirectoryFails) {
  ASSERT_EQ(symlink(outside_.c_str(), Host("outdir").c_str()), 0);
  Opened r = Create({.name = "/outdir/secret"});
  EXPECT_FALSE(NtSuccess(r.status));
  Close(r.fo);
  r = Create({.name = "/outdir/new",
              .access = access::kGenericWrite,
              .disposition = CreateDisposition::OpenIf});
  EXPECT_FALSE(NtSuccess(r.status));
  Close(r.fo);
  EXPECT_NE(::access((outside_ + "/new").c_str(), F_OK), 0);
  // The mini itself refuses to look below a symlink node.
  fsclass::OperationContext ctx;
  fsclass::NodeRef link, child;
  ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "outdir", &link), NtStatus::Success);
  EXPECT_EQ(mirror_->Lookup(ctx, link, "secret", &child), NtStatus::NotADirectory);
  mirror_->Forget(link);
}

TEST_P(MirrorEscapeTest, DotDotAndSlashesNeverReachTheHost) {
  EXPECT_EQ(Create({.name = "/../outside/secret"}).status, NtStatus::ObjectNameInvalid);
  fsclass::OperationContext ctx;
  fsclass::NodeRef out;
  EXPECT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "..", &out), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(mirror_->Lookup(ctx, mirror_->Root(), ".", &out), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "../outside", &out), NtStatus::ObjectNameInvalid);
  EXPECT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "/etc", &out), NtStatus::ObjectNameInvalid);
  fsclass::NewNodeSpec spec;
  spec.mode = S_IFREG | 0644;
  EXPECT_EQ(mirror_->Create(ctx, mirror_->Root(), "../outside/made", spec, &out),
            NtStatus::ObjectNameInvalid);
  EXPECT_EQ(mirror_->Remove(ctx, mirror_->Root(), "../outside/secret"),
            NtStatus::ObjectNameInvalid);
  EXPECT_EQ(mirror_->Move(ctx, mirror_->Root(), "x", mirror_->Root(), "../outside/x", 0),
            NtStatus::ObjectNameInvalid);
  EXPECT_EQ(::access((outside_ + "/secret").c_str(), F_OK), 0);
}

TEST_P(MirrorEscapeTest, RenamingTheSourceAwayDoesNotFollowItsOldPath) {
  WriteHostFile(Host("inside"), "inside");
  FileObject* dir = MustOpen({.name = "/", .options = create_option::kDirectoryFile});
  // The volume holds the source directory itself, not its path.
  std::string moved = base_ + "/moved";
  ASSERT_EQ(rename(source_.c_str(), moved.c_str()), 0);
  ASSERT_EQ(symlink(outside_.c_str(), source_.c_str()), 0);
  Opened r = Create({.name = "/secret"});
  EXPECT_EQ(r.status, NtStatus::ObjectNameNotFound);
  Close(r.fo);
  FileObject* fo = MustOpen({.name = "/inside"});
  EXPECT_EQ(ReadAll(fo), "inside");
  Close(fo);
  Close(dir);
  unlink(source_.c_str());
  rename(moved.c_str(), source_.c_str());
}

// One thread swaps a directory with a symlink to the outside (RENAME_EXCHANGE, atomic) in
// a loop; readers open and read d/f through the mirror. Nothing outside is ever read.
TEST_P(MirrorEscapeTest, DirectorySwappedForASymlinkNeverLeaksOutside) {
  ASSERT_EQ(mkdir(Host("d").c_str(), 0755), 0);
  WriteHostFile(Host("d/f"), "inside");
  ASSERT_EQ(symlink(outside_.c_str(), Host("swap").c_str()), 0);
  std::atomic<bool> stop{false};
  std::atomic<int> swaps{0}, reads{0}, leaks{0}, writes{0};
  std::thread swapper([&] {
    while (!stop.load()) {
      if (renameat2(AT_FDCWD, Host("d").c_str(), AT_FDCWD, Host("swap").c_str(), RENAME_EXCHANGE) ==
          0) {
        swaps.fetch_add(1);
      }
    }
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      // 400 ms of racing, longer (up to 10 s) until a read got through: on a loaded
      // machine the swapper can win every race for a while.
      auto start = std::chrono::steady_clock::now();
      auto racing = [&] {
        auto elapsed = std::chrono::steady_clock::now() - start;
        return elapsed < std::chrono::milliseconds(400) ||
               (reads.load() == 0 && elapsed < std::chrono::seconds(10));
      };
      while (racing()) {
        Opened r = Create({.name = "/d/f"});
        if (NtSuccess(r.status)) {
          std::string data;
          if (Read(r.fo, 0, 100, &data) == NtStatus::Success) {
            reads.fetch_add(1);
            if (data != "inside") leaks.fetch_add(1);
          }
          Close(r.fo);
        }
        if (t == 0) {
          Opened w = Create({.name = "/d/new",
                             .access = access::kGenericWrite,
                             .disposition = CreateDisposition::OpenIf});
          if (NtSuccess(w.status)) {
            writes.fetch_add(1);
            Write(w.fo, 0, "w");
            Close(w.fo);
          }
        }
      }
    });
  }
  for (auto& r : readers) r.join();
  stop.store(true);
  swapper.join();
  EXPECT_EQ(leaks.load(), 0);
  EXPECT_GT(swaps.load(), 0);
  EXPECT_GT(reads.load(), 0);  // the race was real: some reads went through
  std::cout << "swaps " << swaps.load() << ", reads " << reads.load() << ", writes "
            << writes.load() << "\n";
  EXPECT_NE(::access((outside_ + "/new").c_str(), F_OK), 0) << "a write landed outside";
  EXPECT_EQ(ReadHostFile(outside_ + "/f"), kSecret);
}

}  // namespace
}  // namespace irpfs::mirror::testing
