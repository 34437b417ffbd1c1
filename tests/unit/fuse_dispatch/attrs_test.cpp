// STATFS, ACCESS, STATX and the xattrs with their size-probe rules.
#include <sys/xattr.h>

#include <string>

#include "dispatch_harness.h"

namespace irpfs::fuse::testing {
namespace {

class XattrTest : public DispatchTest {
 protected:
  void SetUp() override {
    DispatchTest::SetUp();
    uint64_t fh;
    MustCreate(kRootId, "f", &file_, &fh);
    EXPECT_EQ(Release(file_, fh).error, 0);
  }
  Answer Set(std::string_view name, std::string_view value, uint32_t flags = 0) {
    RequestContext ctx = Ctx(Opcode::kSetxattr, file_);
    fuse_setxattr_in in{};
    in.size = static_cast<uint32_t>(value.size());
    in.flags = flags;
    dispatcher().Setxattr(ctx, in, name, std::as_bytes(std::span(value)), NewReply(ctx));
    return Receive();
  }
  Answer Get(std::string_view name, uint32_t size) {
    RequestContext ctx = Ctx(Opcode::kGetxattr, file_);
    dispatcher().Getxattr(ctx, fuse_getxattr_in{size, 0}, name, NewReply(ctx));
    return Receive();
  }
  Answer List(uint32_t size) {
    RequestContext ctx = Ctx(Opcode::kListxattr, file_);
    dispatcher().Listxattr(ctx, fuse_getxattr_in{size, 0}, NewReply(ctx));
    return Receive();
  }
  Answer Remove(std::string_view name) {
    RequestContext ctx = Ctx(Opcode::kRemovexattr, file_);
    dispatcher().Removexattr(ctx, name, NewReply(ctx));
    return Receive();
  }
  uint64_t file_ = 0;
};

TEST_F(XattrTest, SetGetWithSizeProbeAndErange) {
  ASSERT_EQ(Set("user.color", "blue-green").error, 0);
  Answer probe = Get("user.color", 0);
  ASSERT_EQ(probe.error, 0);
  EXPECT_EQ(probe.As<fuse_getxattr_out>().size, 10u);
  EXPECT_EQ(Get("user.color", 64).Text(), "blue-green");
  EXPECT_EQ(Get("user.color", 4).error, ERANGE);
  EXPECT_EQ(Get("user.none", 64).error, ENODATA);
}

TEST_F(XattrTest, CreateAndReplaceFlags) {
  EXPECT_EQ(Set("user.a", "1", XATTR_REPLACE).error, ENODATA);
  ASSERT_EQ(Set("user.a", "1", XATTR_CREATE).error, 0);
  EXPECT_EQ(Set("user.a", "2", XATTR_CREATE).error, EEXIST);
  ASSERT_EQ(Set("user.a", "3", XATTR_REPLACE).error, 0);
  EXPECT_EQ(Get("user.a", 16).Text(), "3");
}

TEST_F(XattrTest, ListAndRemove) {
  ASSERT_EQ(Set("user.a", "1").error, 0);
  ASSERT_EQ(Set("user.bb", "22").error, 0);
  Answer probe = List(0);
  ASSERT_EQ(probe.error, 0);
  EXPECT_EQ(probe.As<fuse_getxattr_out>().size, 15u);  // "user.a\0user.bb\0"
  Answer names = List(64);
  ASSERT_EQ(names.error, 0);
  EXPECT_EQ(names.Text(), std::string("user.a\0user.bb\0", 15));
  EXPECT_EQ(List(3).error, ERANGE);
  ASSERT_EQ(Remove("user.a").error, 0);
  EXPECT_EQ(Remove("user.a").error, ENODATA);
  EXPECT_EQ(List(64).Text(), std::string("user.bb\0", 8));
}

// Turned off, every xattr request is answered ENOSYS (after which the kernel sends no
// more) instead of reaching the volume, which keeps what it held.
TEST_F(XattrTest, TurnedOffEveryXattrRequestAnswersEnosys) {
  ASSERT_EQ(Set("user.kept", "1").error, 0);
  auto restart = [&](bool extendedAttributes) {
    dispatcher_.reset();
    options_.extendedAttributes = extendedAttributes;
    ASSERT_EQ(DispatcherImpl::Create(volume_, options_, &dispatcher_), NtStatus::Success);
    file_ = EntryOf(Lookup(kRootId, "f")).nodeid;
  };
  restart(false);
  EXPECT_EQ(Get("user.kept", 64).error, ENOSYS);
  EXPECT_EQ(Get("user.kept", 0).error, ENOSYS);
  EXPECT_EQ(List(64).error, ENOSYS);
  EXPECT_EQ(List(0).error, ENOSYS);
  EXPECT_EQ(Set("user.new", "2").error, ENOSYS);
  EXPECT_EQ(Remove("user.kept").error, ENOSYS);
  restart(true);
  EXPECT_EQ(Get("user.kept", 64).Text(), "1");
  EXPECT_EQ(Get("user.new", 64).error, ENODATA);
}

TEST_F(DispatchTest, StatfsReportsTheVolume) {
  RequestContext ctx = Ctx(Opcode::kStatfs, kRootId);
  dispatcher().Statfs(ctx, NewReply(ctx));
  Answer answer = Receive();
  ASSERT_EQ(answer.error, 0);
  fuse_kstatfs st = answer.As<fuse_statfs_out>().st;
  EXPECT_GT(st.bsize, 0u);
  EXPECT_EQ(st.frsize, st.bsize);
  EXPECT_GT(st.blocks, 0u);
  EXPECT_LE(st.bfree, st.blocks);
  EXPECT_GT(st.files, 0u);
  EXPECT_EQ(st.namelen, 255u);
}

TEST_F(DispatchTest, AccessChecksTheModeBits) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  EXPECT_EQ(Release(file, fh).error, 0);
  auto access = [&](uint32_t mask, uint32_t uid) {
    RequestContext ctx = Ctx(Opcode::kAccess, file);
    ctx.uid = uid;
    ctx.gid = uid;
    dispatcher().Access(ctx, fuse_access_in{mask, 0}, NewReply(ctx));
    return Receive().error;
  };
  uint32_t me = getuid();
  EXPECT_EQ(access(R_OK | W_OK, me), 0);  // 0644, owner
  EXPECT_EQ(access(F_OK, me), 0);
  if (me == 0) {
    EXPECT_EQ(access(X_OK, 0), EACCES);  // root, but nobody may execute
  } else {
    EXPECT_EQ(access(X_OK, me), EACCES);
  }
  EXPECT_EQ(access(R_OK, 54321), 0);  // others may read
  EXPECT_EQ(access(W_OK, 54321), EACCES);
}

TEST_F(DispatchTest, StatxLikeGetattr) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  ASSERT_EQ(Write(file, fh, 0, "abc").error, 0);
  RequestContext ctx = Ctx(Opcode::kStatx, file);
  fuse_statx_in in{};
  in.getattr_flags = kGetattrFh;
  in.fh = fh;
  in.sx_mask = STATX_BASIC_STATS;
  dispatcher().Statx(ctx, in, NewReply(ctx));
  Answer answer = Receive();
  ASSERT_EQ(answer.error, 0);
  fuse_statx sx = answer.As<fuse_statx_out>().stat;
  EXPECT_EQ(sx.size, 3u);
  EXPECT_TRUE(S_ISREG(sx.mode));
  EXPECT_NE(sx.mask & STATX_INO, 0u);
  EXPECT_EQ(Release(file, fh).error, 0);
}

class ReadOnlyVolumeTest : public DispatchTest {
 protected:
  ReadOnlyVolumeTest() { readOnlyVolume_ = true; }
};

TEST_F(ReadOnlyVolumeTest, NodesOpenWithReadRightsAndChangesAreErofs) {
  Answer root = Getattr(kRootId);
  ASSERT_EQ(root.error, 0);
  EXPECT_TRUE(S_ISDIR(root.As<fuse_attr_out>().attr.mode));
  EXPECT_EQ(Mkdir(kRootId, "d").error, EROFS);
  EXPECT_EQ(CreateFile(kRootId, "f", O_RDWR | O_CREAT).error, EROFS);
  fuse_setattr_in in{};
  in.valid = fattr::kMode;
  in.mode = 0700;
  EXPECT_NE(Setattr(kRootId, in).error, 0);
  std::vector<Listed> all = ListAll(kRootId, 4096, true);
  EXPECT_EQ(all.size(), 2u);
}

TEST_F(DispatchTest, AttrAndEntryTimeoutsFollowTheOptions) {
  dispatcher_.reset();
  options_.attrTimeout = 2.5;
  options_.entryTimeout = 0;
  ASSERT_EQ(DispatcherImpl::Create(volume_, options_, &dispatcher_), NtStatus::Success);
  fuse_entry_out made = EntryOf(Mkdir(kRootId, "d"));
  EXPECT_EQ(made.entry_valid, 0u);
  EXPECT_EQ(made.entry_valid_nsec, 0u);
  EXPECT_EQ(made.attr_valid, 2u);
  EXPECT_EQ(made.attr_valid_nsec, 500000000u);
  fuse_attr_out attr = Getattr(made.nodeid).As<fuse_attr_out>();
  EXPECT_EQ(attr.attr_valid, 2u);
  EXPECT_EQ(attr.attr_valid_nsec, 500000000u);
}

}  // namespace
}  // namespace irpfs::fuse::testing
