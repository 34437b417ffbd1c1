// Names through the mirror: create, rename (of open files too), unlink, link, symlinks,
// directories and enumeration, each checked on the host directory.
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "mirror_fixture.h"

namespace irpfs::mirror::testing {
namespace {

TEST_F(MirrorTest, CreatedFileAppearsOnTheHostWithItsContent) {
  FileObject* fo = OpenRW("/a.txt", CreateDisposition::Create);
  ASSERT_NE(fo, nullptr);
  ASSERT_EQ(Write(fo, 0, "hello"), NtStatus::Success);
  Close(fo);
  EXPECT_EQ(ReadHostFile(Host("a.txt")), "hello");
  struct stat st;
  ASSERT_EQ(lstat(Host("a.txt").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
}

TEST_F(MirrorTest, HostFileIsReadThroughTheMirror) {
  WriteHostFile(Host("h.txt"), "from the host");
  FileObject* fo = MustOpen({.name = "/h.txt"});
  ASSERT_NE(fo, nullptr);
  EXPECT_EQ(ReadAll(fo), "from the host");
  FileStat st = Stat(fo);
  struct stat host;
  ASSERT_EQ(lstat(Host("h.txt").c_str(), &host), 0);
  EXPECT_EQ(st.fileId, host.st_ino);
  EXPECT_EQ(st.size, 13u);
  EXPECT_EQ(st.mode, host.st_mode);
  Close(fo);
}

TEST_F(MirrorTest, CreateOfAnExistingNameCollides) {
  WriteHostFile(Host("x"), "x");
  Opened r = Create(
      {.name = "/x", .access = access::kGenericWrite, .disposition = CreateDisposition::Create});
  EXPECT_EQ(r.status, NtStatus::ObjectNameCollision);
  EXPECT_EQ(Create({.name = "/missing"}).status, NtStatus::ObjectNameNotFound);
}

TEST_F(MirrorTest, RenamedOpenFileKeepsWorkingUnderItsNewName) {
  ASSERT_EQ(mkdir(Host("d1").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(Host("d2").c_str(), 0755), 0);
  FileObject* fo = OpenRW("/d1/f", CreateDisposition::Create);
  ASSERT_NE(fo, nullptr);
  ASSERT_EQ(Write(fo, 0, "one"), NtStatus::Success);
  ASSERT_EQ(Rename(fo, "/d2/g"), NtStatus::Success);
  ASSERT_EQ(Write(fo, 3, "two"), NtStatus::Success);
  EXPECT_NE(::access(Host("d1/f").c_str(), F_OK), 0);
  EXPECT_EQ(ReadHostFile(Host("d2/g")), "onetwo");
  // A second open reaches the node by its new name.
  FileObject* again = MustOpen({.name = "/d2/g", .access = access::kGenericWrite});
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(Write(again, 6, "!"), NtStatus::Success);
  Close(again);
  Close(fo);
  EXPECT_EQ(ReadHostFile(Host("d2/g")), "onetwo!");
}

TEST_F(MirrorTest, RenamingADirectoryMovesItsOpenFilesAlong) {
  ASSERT_EQ(mkdir(Host("old").c_str(), 0755), 0);
  WriteHostFile(Host("old/f"), "data");
  FileObject* file = MustOpen({.name = "/old/f"});
  FileObject* dir = MustOpen({.name = "/old",
                              .access = access::kGenericRead | access::kDelete,
                              .options = create_option::kDirectoryFile});
  ASSERT_NE(file, nullptr);
  ASSERT_NE(dir, nullptr);
  ASSERT_EQ(Rename(dir, "/new"), NtStatus::Success);
  Close(dir);
  EXPECT_EQ(ReadAll(file), "data");
  // A fresh write open of the file goes through the directory's new name.
  FileObject* writer = MustOpen({.name = "/new/f", .access = access::kGenericWrite});
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(Write(writer, 4, "+"), NtStatus::Success);
  Close(writer);
  Close(file);
  EXPECT_EQ(ReadHostFile(Host("new/f")), "data+");
}

TEST_F(MirrorTest, RenameWithoutReplaceRefusesAnExistingTarget) {
  WriteHostFile(Host("a"), "a");
  WriteHostFile(Host("b"), "b");
  FileObject* fo = OpenRW("/a");
  EXPECT_EQ(Rename(fo, "/b"), NtStatus::ObjectNameCollision);
  EXPECT_EQ(Rename(fo, "/b", rename_flag::kReplaceIfExists), NtStatus::Success);
  Close(fo);
  EXPECT_EQ(ReadHostFile(Host("b")), "a");
  EXPECT_NE(::access(Host("a").c_str(), F_OK), 0);
}

TEST_F(MirrorTest, ExchangeSwapsTwoNames) {
  WriteHostFile(Host("a"), "A");
  WriteHostFile(Host("b"), "B");
  FileObject* fo = OpenRW("/a");
  ASSERT_EQ(Rename(fo, "/b", rename_flag::kExchange), NtStatus::Success);
  Close(fo);
  EXPECT_EQ(ReadHostFile(Host("a")), "B");
  EXPECT_EQ(ReadHostFile(Host("b")), "A");
}

TEST_F(MirrorTest, UnlinkedOpenFileStaysReadable) {
  WriteHostFile(Host("gone"), "still here");
  FileObject* fo = OpenRW("/gone");
  ASSERT_NE(fo, nullptr);
  FileDispositionInfo del{disposition_flag::kDelete | disposition_flag::kPosixSemantics};
  ASSERT_EQ(SetInfo(fo, FileInformationClass::FileDispositionInformationEx, del),
            NtStatus::Success);
  EXPECT_NE(::access(Host("gone").c_str(), F_OK), 0);
  EXPECT_EQ(ReadAll(fo), "still here");
  EXPECT_EQ(Stat(fo).nlink, 0u);
  Close(fo);
}

TEST_F(MirrorTest, DeleteOnCloseRemovesTheHostFile) {
  WriteHostFile(Host("tmp"), "x");
  FileObject* fo = MustOpen(
      {.name = "/tmp", .access = access::kDelete, .options = create_option::kDeleteOnClose});
  ASSERT_NE(fo, nullptr);
  EXPECT_EQ(::access(Host("tmp").c_str(), F_OK), 0);
  Close(fo);
  EXPECT_NE(::access(Host("tmp").c_str(), F_OK), 0);
}

TEST_F(MirrorTest, NonEmptyDirectoryIsNotRemoved) {
  ASSERT_EQ(mkdir(Host("full").c_str(), 0755), 0);
  WriteHostFile(Host("full/f"), "x");
  FileObject* fo = MustOpen(
      {.name = "/full", .access = access::kDelete, .options = create_option::kDirectoryFile});
  ASSERT_NE(fo, nullptr);
  FileDispositionInfo del{disposition_flag::kDelete};
  EXPECT_EQ(SetInfo(fo, FileInformationClass::FileDispositionInformation, del),
            NtStatus::DirectoryNotEmpty);
  Close(fo);
  EXPECT_EQ(::access(Host("full/f").c_str(), F_OK), 0);
}

TEST_F(MirrorTest, HardLinkMakesASecondHostName) {
  WriteHostFile(Host("orig"), "linked");
  FileObject* fo = OpenRW("/orig");
  FileRenameInfo link;
  link.fileName = "/copy";
  ASSERT_EQ(SetInfo(fo, FileInformationClass::FileLinkInformation, link), NtStatus::Success);
  EXPECT_EQ(Stat(fo).nlink, 2u);
  Close(fo);
  struct stat a, b;
  ASSERT_EQ(lstat(Host("orig").c_str(), &a), 0);
  ASSERT_EQ(lstat(Host("copy").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
}

// The FUSE kernel keeps using a node after one of its names goes, without a new lookup:
// the mirror must reopen it by any name it still has.
TEST_F(MirrorTest, NodeReopensThroughItsOtherLinkAfterOneIsRemoved) {
  WriteHostFile(Host("a"), "abc");
  fsclass::OperationContext ctx;
  fsclass::NodeRef node;
  ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "a", &node), NtStatus::Success);
  ASSERT_EQ(mirror_->Link(ctx, node, mirror_->Root(), "b"), NtStatus::Success);
  for (const char* gone : {"a", "b"}) {
    if (std::string(gone) == "b") {
      ASSERT_EQ(mirror_->Link(ctx, node, mirror_->Root(), "a"), NtStatus::Success);
    }
    ASSERT_EQ(mirror_->Remove(ctx, mirror_->Root(), gone), NtStatus::Success);
    void* open = nullptr;
    ASSERT_EQ(mirror_->Open(ctx, node, access::kReadData, 0, &open), NtStatus::Success) << gone;
    char buffer[8];
    uint32_t got = 0;
    EXPECT_EQ(mirror_->Read(ctx, node, open, buffer, sizeof buffer, 0, &got), NtStatus::Success);
    EXPECT_EQ(std::string(buffer, got), "abc");
    mirror_->Close(node, open);
  }
  // With every name gone the inode is still reopened (open("/proc/PID/fd/N") of an
  // unlinked file over FUSE), through the node's own descriptor.
  ASSERT_EQ(mirror_->Remove(ctx, mirror_->Root(), "a"), NtStatus::Success);
  void* open = nullptr;
  ASSERT_EQ(mirror_->Open(ctx, node, access::kReadData | access::kWriteData, 0, &open),
            NtStatus::Success);
  uint32_t written = 0;
  uint64_t at = 0;
  EXPECT_EQ(mirror_->Write(ctx, node, open, "+", 1, 3, false, &written, &at), NtStatus::Success);
  char buffer[8];
  uint32_t got = 0;
  EXPECT_EQ(mirror_->Read(ctx, node, open, buffer, sizeof buffer, 0, &got), NtStatus::Success);
  EXPECT_EQ(std::string(buffer, got), "abc+");
  mirror_->Close(node, open);
  mirror_->Forget(node);
}

TEST_F(MirrorTest, SymlinkIsCreatedAndReadBackNotFollowed) {
  Opened r = Create({.name = "/link",
                     .access = access::kReadAttributes,
                     .disposition = CreateDisposition::Create,
                     .mode = S_IFLNK,
                     .symlinkTarget = "some/where"});
  ASSERT_EQ(r.status, NtStatus::Success);
  char target[256];
  ASSERT_EQ(readlink(Host("link").c_str(), target, sizeof target), 10);
  EXPECT_EQ(std::string(target, 10), "some/where");
  struct {
    FileSymlinkInfo header;
    char text[64];
  } out{};
  ASSERT_EQ(QueryInfo(r.fo, FileInformationClass::FileSymlinkInformation, &out), NtStatus::Success);
  EXPECT_EQ(std::string(out.text, out.header.targetLength), "some/where");
  EXPECT_EQ(Stat(r.fo).mode & S_IFMT, static_cast<uint32_t>(S_IFLNK));
  Close(r.fo);
}

TEST_F(MirrorTest, DirectoriesAndSpecialFilesAreCreated) {
  Opened d = Create({.name = "/dir",
                     .disposition = CreateDisposition::Create,
                     .options = create_option::kDirectoryFile,
                     .mode = 0750});
  ASSERT_EQ(d.status, NtStatus::Success);
  Close(d.fo);
  Opened f = Create({.name = "/dir/fifo",
                     .access = access::kReadAttributes,
                     .disposition = CreateDisposition::Create,
                     .mode = S_IFIFO | 0640});
  ASSERT_EQ(f.status, NtStatus::Success);
  Close(f.fo);
  struct stat st;
  ASSERT_EQ(lstat(Host("dir").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0750u);  // the server's umask does not bite
  ASSERT_EQ(lstat(Host("dir/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

// Collects entries, stopping after `limit` to test resuming at a cookie.
class Collector : public fsclass::DirectoryFiller {
 public:
  explicit Collector(size_t limit = SIZE_MAX, bool fullStat = true)
      : limit_(limit), fullStat_(fullStat) {}
  bool Add(std::string_view name, uint64_t cookie, const FileStat& stat) override {
    if (names.size() >= limit_) return false;
    names.emplace_back(name);
    lastCookie = cookie;
    stats.push_back(stat);
    return true;
  }
  bool NeedsFullStat() const override { return fullStat_; }
  std::vector<std::string> names;
  std::vector<FileStat> stats;
  uint64_t lastCookie = 0;

 private:
  size_t limit_;
  bool fullStat_;
};

// A names-only enumeration (FUSE READDIR) takes ids and types from getdents: they must
// match what a stat of each entry reports, while a regular file's attributes are not
// fetched at all.
TEST_F(MirrorTest, NamesOnlyEnumerationKeepsIdsAndTypesOfStat) {
  ASSERT_EQ(mkdir(Host("mix").c_str(), 0755), 0);
  WriteHostFile(Host("mix/file"), "abc");
  ASSERT_EQ(mkdir(Host("mix/sub").c_str(), 0755), 0);
  ASSERT_EQ(symlink("file", Host("mix/link").c_str()), 0);
  ASSERT_EQ(mkfifo(Host("mix/fifo").c_str(), 0644), 0);
  fsclass::OperationContext ctx;
  fsclass::NodeRef dir;
  ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "mix", &dir), NtStatus::Success);
  Collector full;
  Collector names(SIZE_MAX, false);
  ASSERT_EQ(mirror_->FindFiles(ctx, dir, nullptr, 0, full), NtStatus::Success);
  ASSERT_EQ(mirror_->FindFiles(ctx, dir, nullptr, 0, names), NtStatus::Success);
  ASSERT_EQ(names.names.size(), 4u);
  ASSERT_EQ(names.names, full.names);
  for (size_t i = 0; i < names.names.size(); ++i) {
    const std::string& name = names.names[i];
    struct stat st;
    ASSERT_EQ(lstat(Host("mix/" + name).c_str(), &st), 0);
    EXPECT_EQ(names.stats[i].fileId, full.stats[i].fileId) << name;
    EXPECT_EQ(names.stats[i].mode & S_IFMT, st.st_mode & S_IFMT) << name;
    EXPECT_EQ(full.stats[i].mode, st.st_mode) << name;
    fsclass::NodeRef node;
    ASSERT_EQ(mirror_->Lookup(ctx, dir, name, &node), NtStatus::Success) << name;
    FileStat looked;
    ASSERT_EQ(mirror_->GetFileInformation(ctx, node, &looked), NtStatus::Success);
    EXPECT_EQ(names.stats[i].fileId, looked.fileId) << name;
    mirror_->Forget(node);
    if (name == "file") {
      EXPECT_EQ(full.stats[i].size, 3u);
      EXPECT_EQ(names.stats[i].size, 0u);  // no statx for a regular file
    }
  }
  mirror_->Forget(dir);
}

TEST_F(MirrorTest, EnumerationResumesAtStableCookies) {
  ASSERT_EQ(mkdir(Host("many").c_str(), 0755), 0);
  std::set<std::string> expected;
  for (int i = 0; i < 300; ++i) {
    std::string name = "file-" + std::to_string(i);
    WriteHostFile(Host("many/" + name), "x");
    expected.insert(name);
  }
  fsclass::OperationContext ctx;
  fsclass::NodeRef dir;
  ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "many", &dir), NtStatus::Success);
  std::set<std::string> seen;
  uint64_t cookie = 0;
  for (int round = 0; round < 100; ++round) {
    Collector part(7);
    ASSERT_EQ(mirror_->FindFiles(ctx, dir, nullptr, cookie, part), NtStatus::Success);
    if (part.names.empty()) break;
    for (size_t i = 0; i < part.names.size(); ++i) {
      EXPECT_TRUE(seen.insert(part.names[i]).second) << "twice: " << part.names[i];
      EXPECT_EQ(part.stats[i].mode & S_IFMT, static_cast<uint32_t>(S_IFREG));
      EXPECT_EQ(part.stats[i].size, 1u);
      EXPECT_NE(part.stats[i].fileId, 0u);
    }
    EXPECT_NE(part.lastCookie, 0u);
    cookie = part.lastCookie;
    if (part.names.size() < 7) break;
  }
  EXPECT_EQ(seen, expected);
  mirror_->Forget(dir);
}

TEST_F(MirrorTest, EnumerationThroughTheClassDriverListsHostEntries) {
  WriteHostFile(Host("one"), "1");
  ASSERT_EQ(mkdir(Host("two").c_str(), 0755), 0);
  FileObject* dir = MustOpen({.name = "/", .options = create_option::kDirectoryFile});
  ASSERT_NE(dir, nullptr);
  alignas(8) char buffer[4096];
  uint64_t info = 0;
  ASSERT_EQ(Send(
                dir, IrpMajor::DirectoryControl, minor::kQueryDirectory, sl::kRestartScan,
                [&](IoStackLocation* sl) {
                  sl->parameters.queryDirectory.length = sizeof buffer;
                  sl->parameters.queryDirectory.fileInformationClass =
                      FileInformationClass::FileFullDirectoryInformation;
                },
                buffer, &info),
            NtStatus::Success);
  std::set<std::string> names;
  for (size_t at = 0;;) {
    auto* e = reinterpret_cast<DirEntryHeader*>(buffer + at);
    names.insert(std::string(DirEntryName(e)));
    if (e->nextEntryOffset == 0) break;
    at += e->nextEntryOffset;
  }
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "one", "two"}));
  Close(dir);
}

TEST_F(MirrorTest, NodesAreSharedAndForgotten) {
  WriteHostFile(Host("f"), "x");
  fsclass::OperationContext ctx;
  fsclass::NodeRef a, b;
  ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "f", &a), NtStatus::Success);
  ASSERT_EQ(mirror_->Lookup(ctx, mirror_->Root(), "f", &b), NtStatus::Success);
  EXPECT_EQ(a.context, b.context);  // one descriptor per inode
  EXPECT_EQ(mirror_->LiveNodes(), 1u);
  mirror_->Forget(a);
  EXPECT_EQ(mirror_->LiveNodes(), 1u);
  mirror_->Forget(b);
  EXPECT_EQ(mirror_->LiveNodes(), 0u);
}

}  // namespace
}  // namespace irpfs::mirror::testing
