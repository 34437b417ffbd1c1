// Name operations through the dispatcher: lookup counts and node release, mkdir, mknod,
// symlink, unlink/rmdir, rename flags, link, and the errno of each failure.
#include <linux/fs.h>

#include "dispatch_harness.h"

namespace irpfs::fuse::testing {
namespace {

TEST_F(DispatchTest, LookupCountsAndForgetReleasesTheNode) {
  fuse_entry_out made = EntryOf(Mkdir(kRootId, "d"));
  ASSERT_NE(made.nodeid, 0u);
  ASSERT_NE(made.nodeid, kRootId);
  EXPECT_TRUE(S_ISDIR(made.attr.mode));
  NodeId node{made.nodeid};
  EXPECT_EQ(dispatcher().nodes().LookupCount(node), 1u);

  fuse_entry_out again = EntryOf(Lookup(kRootId, "d"));
  EXPECT_EQ(again.nodeid, made.nodeid);
  EXPECT_EQ(again.generation, made.generation);
  EXPECT_EQ(again.attr.ino, made.attr.ino);
  EXPECT_EQ(EntryOf(Lookup(kRootId, "d")).nodeid, made.nodeid);
  EXPECT_EQ(dispatcher().nodes().LookupCount(node), 3u);
  EXPECT_EQ(dispatcher().nodes().LiveCount(), 2u);  // root + d

  Forget(made.nodeid, 2);
  EXPECT_EQ(dispatcher().nodes().LookupCount(node), 1u);
  Forget(made.nodeid, 1);
  EXPECT_FALSE(dispatcher().nodes().Contains(node));
  EXPECT_EQ(dispatcher().nodes().LiveCount(), 1u);

  // The kernel would never name it again; if it did, the id is stale (EIO), not a crash.
  EXPECT_EQ(Getattr(made.nodeid).error, EIO);

  // A new lookup makes a new node; a reused nodeid comes with a new generation.
  fuse_entry_out fresh = EntryOf(Lookup(kRootId, "d"));
  EXPECT_EQ(fresh.attr.ino, made.attr.ino);
  EXPECT_FALSE(fresh.nodeid == made.nodeid && fresh.generation == made.generation);
}

TEST_F(DispatchTest, EntryRepliesCarryTheConfiguredTimeouts) {
  fuse_entry_out made = EntryOf(Mkdir(kRootId, "t"));
  EXPECT_EQ(made.entry_valid, 1u);
  EXPECT_EQ(made.attr_valid, 1u);
  EXPECT_EQ(made.entry_valid_nsec, 0u);
}

TEST_F(DispatchTest, LookupOfAMissingNameIsEnoent) {
  Answer answer = Lookup(kRootId, "missing");
  EXPECT_EQ(answer.error, ENOENT);
  EXPECT_TRUE(answer.payload.empty());
  EXPECT_EQ(dispatcher().nodes().LiveCount(), 1u);
}

TEST_F(DispatchTest, MkdirOfAnExistingNameIsEexist) {
  EntryOf(Mkdir(kRootId, "d"));
  EXPECT_EQ(Mkdir(kRootId, "d").error, EEXIST);
}

TEST_F(DispatchTest, MkdirAppliesTheUmaskAndOwner) {
  fuse_entry_out made = EntryOf(Mkdir(kRootId, "d", 0777));
  EXPECT_EQ(made.attr.mode, static_cast<uint32_t>(S_IFDIR | 0755));
  EXPECT_EQ(made.attr.uid, getuid());
}

TEST_F(DispatchTest, MknodMakesAFifo) {
  fuse_entry_out made = EntryOf(Mknod(kRootId, "p", S_IFIFO | 0640));
  EXPECT_TRUE(S_ISFIFO(made.attr.mode));
  EXPECT_EQ(made.attr.mode & 0777, 0640u);
}

TEST_F(DispatchTest, SymlinkAndReadlink) {
  fuse_entry_out link = EntryOf(Symlink(kRootId, "l", "some/where/else"));
  EXPECT_TRUE(S_ISLNK(link.attr.mode));
  EXPECT_EQ(link.attr.size, 15u);
  RequestContext ctx = Ctx(Opcode::kReadlink, link.nodeid);
  dispatcher().Readlink(ctx, NewReply(ctx));
  Answer target = Receive();
  EXPECT_EQ(target.error, 0);
  EXPECT_EQ(target.Text(), "some/where/else");

  // A lookup of the link is the link itself, not its target.
  fuse_entry_out looked = EntryOf(Lookup(kRootId, "l"));
  EXPECT_EQ(looked.nodeid, link.nodeid);
  EXPECT_TRUE(S_ISLNK(looked.attr.mode));
}

// Names are copied into the request's record, up to two of 1024 bytes; a longer symlink
// target stays in the (pinned) request input instead. Both must arrive whole.
TEST_F(DispatchTest, SymlinkTargetsShortAndLongArriveWhole) {
  for (size_t length : {size_t{1}, size_t{1024}, size_t{2047}, size_t{2048}, size_t{4000}}) {
    std::string target(length, 'x');
    for (size_t i = 0; i < length; i += 7) target[i] = static_cast<char>('a' + i % 26);
    std::string name = "l" + std::to_string(length);
    fuse_entry_out link = EntryOf(Symlink(kRootId, name, target));
    EXPECT_EQ(link.attr.size, length);
    RequestContext ctx = Ctx(Opcode::kReadlink, link.nodeid);
    dispatcher().Readlink(ctx, NewReply(ctx));
    Answer answer = Receive();
    ASSERT_EQ(answer.error, 0) << length;
    EXPECT_EQ(answer.Text(), target) << length;
    EXPECT_EQ(EntryOf(Lookup(kRootId, name)).nodeid, link.nodeid);
  }
}

TEST_F(DispatchTest, ReadlinkOfADirectoryIsEinval) {
  fuse_entry_out dir = EntryOf(Mkdir(kRootId, "d"));
  RequestContext ctx = Ctx(Opcode::kReadlink, dir.nodeid);
  dispatcher().Readlink(ctx, NewReply(ctx));
  EXPECT_EQ(Receive().error, EINVAL);
}

TEST_F(DispatchTest, UnlinkAndRmdirErrors) {
  fuse_entry_out dir = EntryOf(Mkdir(kRootId, "d"));
  uint64_t file, fh;
  MustCreate(dir.nodeid, "f", &file, &fh);
  EXPECT_EQ(Release(file, fh).error, 0);

  EXPECT_EQ(Rmdir(kRootId, "d").error, ENOTEMPTY);
  EXPECT_EQ(Unlink(kRootId, "d").error, EISDIR);
  EXPECT_EQ(Rmdir(dir.nodeid, "f").error, ENOTDIR);
  EXPECT_EQ(Unlink(dir.nodeid, "nothing").error, ENOENT);

  EXPECT_EQ(Unlink(dir.nodeid, "f").error, 0);
  EXPECT_EQ(Lookup(dir.nodeid, "f").error, ENOENT);
  EXPECT_EQ(Rmdir(kRootId, "d").error, 0);
  EXPECT_EQ(Lookup(kRootId, "d").error, ENOENT);
  // No handle of the unlink or rmdir is left behind.
  EXPECT_EQ(dispatcher().handles().OpenCount(), 0u);
}

class RenameTest : public DispatchTest {
 protected:
  void SetUp() override {
    DispatchTest::SetUp();
    dir_ = EntryOf(Mkdir(kRootId, "dir")).nodeid;
    MakeFile(kRootId, "a", "aaaa");
    MakeFile(kRootId, "b", "bb");
  }
  void MakeFile(uint64_t parent, std::string_view name, std::string_view data) {
    uint64_t node, fh;
    MustCreate(parent, name, &node, &fh);
    EXPECT_EQ(Write(node, fh, 0, data).error, 0);
    EXPECT_EQ(Release(node, fh).error, 0);
  }
  uint64_t SizeOf(uint64_t parent, std::string_view name) {
    Answer answer = Lookup(parent, name);
    if (answer.error != 0) return UINT64_MAX;
    return answer.As<fuse_entry_out>().attr.size;
  }
  uint64_t dir_ = 0;
};

TEST_F(RenameTest, PlainRenameReplacesTheTarget) {
  EXPECT_EQ(Rename2(kRootId, "a", kRootId, "b", 0).error, 0);
  EXPECT_EQ(SizeOf(kRootId, "b"), 4u);
  EXPECT_EQ(Lookup(kRootId, "a").error, ENOENT);
}

TEST_F(RenameTest, RenameIntoAnotherDirectory) {
  EXPECT_EQ(Rename2(kRootId, "a", dir_, "moved", 0).error, 0);
  EXPECT_EQ(SizeOf(dir_, "moved"), 4u);
  EXPECT_EQ(Lookup(kRootId, "a").error, ENOENT);
}

TEST_F(RenameTest, NoreplaceRefusesAnExistingTarget) {
  EXPECT_EQ(Rename2(kRootId, "a", kRootId, "b", RENAME_NOREPLACE).error, EEXIST);
  EXPECT_EQ(SizeOf(kRootId, "a"), 4u);
  EXPECT_EQ(SizeOf(kRootId, "b"), 2u);
  EXPECT_EQ(Rename2(kRootId, "a", kRootId, "c", RENAME_NOREPLACE).error, 0);
  EXPECT_EQ(SizeOf(kRootId, "c"), 4u);
}

TEST_F(RenameTest, ExchangeSwapsTheNames) {
  EXPECT_EQ(Rename2(kRootId, "a", kRootId, "b", RENAME_EXCHANGE).error, 0);
  EXPECT_EQ(SizeOf(kRootId, "a"), 2u);
  EXPECT_EQ(SizeOf(kRootId, "b"), 4u);
  EXPECT_EQ(Rename2(kRootId, "a", kRootId, "none", RENAME_EXCHANGE).error, ENOENT);
}

TEST_F(RenameTest, WhiteoutAndContradictoryFlagsAreEinval) {
  EXPECT_EQ(Rename2(kRootId, "a", kRootId, "b", RENAME_WHITEOUT).error, EINVAL);
  EXPECT_EQ(Rename2(kRootId, "a", kRootId, "b", RENAME_NOREPLACE | RENAME_EXCHANGE).error, EINVAL);
  EXPECT_EQ(SizeOf(kRootId, "a"), 4u);
}

TEST_F(RenameTest, PlainRenameOpcodeReplaces) {
  RequestContext ctx = Ctx(Opcode::kRename, kRootId);
  fuse_rename_in in{dir_};
  dispatcher().Rename(ctx, in, "b", "x", NewReply(ctx));
  EXPECT_EQ(Receive().error, 0);
  EXPECT_EQ(SizeOf(dir_, "x"), 2u);
}

TEST_F(RenameTest, RenamedDirectoryKeepsItsNode) {
  uint64_t inner, fh;
  MustCreate(dir_, "inner", &inner, &fh);
  EXPECT_EQ(Release(inner, fh).error, 0);
  EXPECT_EQ(Rename2(kRootId, "dir", kRootId, "dir2", 0).error, 0);
  // The node FileObject of the directory follows it: names under it still resolve.
  EXPECT_EQ(EntryOf(Lookup(dir_, "inner")).nodeid, inner);
  EXPECT_EQ(EntryOf(Lookup(kRootId, "dir2")).nodeid, dir_);
}

TEST_F(DispatchTest, LinkCountsALookupOfTheExistingNode) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  EXPECT_EQ(Release(file, fh).error, 0);
  fuse_entry_out dir = EntryOf(Mkdir(kRootId, "d"));
  uint64_t before = dispatcher().nodes().LookupCount(NodeId{file});
  fuse_entry_out linked = EntryOf(Link(file, dir.nodeid, "g"));
  EXPECT_EQ(linked.nodeid, file);
  EXPECT_EQ(linked.attr.nlink, 2u);
  EXPECT_EQ(dispatcher().nodes().LookupCount(NodeId{file}), before + 1);
  EXPECT_EQ(EntryOf(Lookup(dir.nodeid, "g")).nodeid, file);
  EXPECT_EQ(Link(file, dir.nodeid, "g").error, EEXIST);
}

// Each name of a hard-linked file goes on its own unlink, while the node stays known to
// the kernel (its node FileObject keeps the FCB alive between the two unlinks).
TEST_F(DispatchTest, UnlinkOfEachHardLinkRemovesThatName) {
  uint64_t file, fh;
  MustCreate(kRootId, "u5", &file, &fh);
  EXPECT_EQ(Release(file, fh).error, 0);
  EntryOf(Link(file, kRootId, "u5-link"));
  ASSERT_EQ(Unlink(kRootId, "u5-link").error, 0);
  EXPECT_EQ(Lookup(kRootId, "u5-link").error, ENOENT);
  EXPECT_EQ(EntryOf(Lookup(kRootId, "u5")).attr.nlink, 1u);
  ASSERT_EQ(Unlink(kRootId, "u5").error, 0);
  EXPECT_EQ(Lookup(kRootId, "u5").error, ENOENT);
}

TEST_F(DispatchTest, StaleParentIsEioAndFreesNothing) {
  EXPECT_EQ(Lookup(999, "x").error, EIO);
  EXPECT_EQ(Mkdir(999, "x").error, EIO);
  EXPECT_EQ(Unlink(0, "x").error, EIO);
  EXPECT_EQ(dispatcher().OperationsInFlight(), 0u);
}

TEST_F(DispatchTest, DestroyClosesEveryNodeAndHandle) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  EntryOf(Mkdir(kRootId, "d"));
  EXPECT_EQ(dispatcher().handles().OpenCount(), 1u);
  EXPECT_EQ(dispatcher().nodes().LiveCount(), 3u);
  RequestContext ctx = Ctx(Opcode::kDestroy, 0);
  dispatcher().Destroy(ctx, NewReply(ctx));
  EXPECT_EQ(Receive().error, 0);
  EXPECT_EQ(dispatcher().handles().OpenCount(), 0u);
  EXPECT_EQ(dispatcher().nodes().LiveCount(), 0u);
}

}  // namespace
}  // namespace irpfs::fuse::testing
