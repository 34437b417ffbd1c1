// Opens and data: create + write + read + getattr, truncation, append, unlink of an open
// file, fsync, lseek, stale handles, and the operations irpfs answers with ENOSYS
// (copy_file_range: copy_test.cpp).
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dispatch_harness.h"

namespace irpfs::fuse::testing {
namespace {

TEST_F(DispatchTest, CreateWriteReadGetattr) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  EXPECT_EQ(dispatcher().handles().OpenCount(), 1u);
  EXPECT_EQ(dispatcher().nodes().LookupCount(NodeId{file}), 1u);

  Answer written = Write(file, fh, 0, "hello world");
  ASSERT_EQ(written.error, 0);
  EXPECT_EQ(written.As<fuse_write_out>().size, 11u);

  Answer read = Read(file, fh, 6, 100);
  ASSERT_EQ(read.error, 0);
  EXPECT_EQ(read.Text(), "world");
  EXPECT_TRUE(Read(file, fh, 11, 100).payload.empty());  // end of file: empty, no error
  EXPECT_EQ(Read(file, fh, 11, 100).error, 0);

  Answer byNode = Getattr(file);
  ASSERT_EQ(byNode.error, 0);
  fuse_attr_out attr = byNode.As<fuse_attr_out>();
  EXPECT_EQ(attr.attr.size, 11u);
  EXPECT_TRUE(S_ISREG(attr.attr.mode));
  EXPECT_EQ(attr.attr.mode & 0777, 0644u);
  EXPECT_EQ(attr.attr_valid, 1u);
  EXPECT_EQ(Getattr(file, fh).As<fuse_attr_out>().attr.size, 11u);

  EXPECT_EQ(Release(file, fh).error, 0);
  EXPECT_EQ(dispatcher().handles().OpenCount(), 0u);
  // The handle is gone for good.
  EXPECT_EQ(Read(file, fh, 0, 10).error, EBADF);
  EXPECT_EQ(Write(file, fh, 0, "x").error, EBADF);
}

// O_DIRECT opens ask the kernel for its direct path with parallel writes (without them
// the kernel serializes O_DIRECT writes on the inode lock); buffered opens keep the page
// cache.
TEST_F(DispatchTest, ODirectOpensGetDirectIoWithParallelWrites) {
  constexpr uint32_t kDirect = fopen::kDirectIo | fopen::kParallelDirectWrites;
  Answer created = CreateFile(kRootId, "f", O_RDWR | O_CREAT | O_DIRECT);
  ASSERT_EQ(created.error, 0);
  ASSERT_EQ(created.payload.size(), sizeof(fuse_entry_out) + sizeof(fuse_open_out));
  fuse_entry_out entry = created.As<fuse_entry_out>();
  fuse_open_out createdOpen;
  std::memcpy(&createdOpen, created.payload.data() + sizeof(fuse_entry_out), sizeof createdOpen);
  EXPECT_EQ(createdOpen.open_flags & kDirect, kDirect);

  Answer direct = Open(entry.nodeid, O_RDWR | O_DIRECT);
  ASSERT_EQ(direct.error, 0);
  EXPECT_EQ(direct.As<fuse_open_out>().open_flags & kDirect, kDirect);
  Answer buffered = Open(entry.nodeid, O_RDWR);
  ASSERT_EQ(buffered.error, 0);
  EXPECT_EQ(buffered.As<fuse_open_out>().open_flags & kDirect, 0u);

  EXPECT_EQ(Release(entry.nodeid, createdOpen.fh).error, 0);
  EXPECT_EQ(Release(entry.nodeid, direct.As<fuse_open_out>().fh).error, 0);
  EXPECT_EQ(Release(entry.nodeid, buffered.As<fuse_open_out>().fh).error, 0);
}

TEST_F(DispatchTest, CreateWithExclusiveOnAnExistingNameIsEexist) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  EXPECT_EQ(CreateFile(kRootId, "f", O_RDWR | O_CREAT | O_EXCL).error, EEXIST);
  // Without O_EXCL the existing file is opened, the same node.
  uint64_t again, fh2;
  MustCreate(kRootId, "f", &again, &fh2);
  EXPECT_EQ(again, file);
  EXPECT_NE(fh2, fh);
  EXPECT_EQ(Release(file, fh).error, 0);
  EXPECT_EQ(Release(file, fh2).error, 0);
}

TEST_F(DispatchTest, OpenWithTruncEmptiesTheFile) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  ASSERT_EQ(Write(file, fh, 0, "content").error, 0);
  EXPECT_EQ(Release(file, fh).error, 0);
  uint64_t reopened = MustOpen(file, O_RDWR | O_TRUNC);
  EXPECT_EQ(Getattr(file).As<fuse_attr_out>().attr.size, 0u);
  EXPECT_EQ(Release(file, reopened).error, 0);
}

TEST_F(DispatchTest, ReadOnlyOpenRefusesWrites) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  EXPECT_EQ(Release(file, fh).error, 0);
  uint64_t ro = MustOpen(file, O_RDONLY);
  Answer answer = Write(file, ro, 0, "x");
  EXPECT_NE(answer.error, 0);
  EXPECT_EQ(Release(file, ro).error, 0);
}

TEST_F(DispatchTest, AppendOpenWritesAtTheEnd) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  ASSERT_EQ(Write(file, fh, 0, "12345").error, 0);
  uint64_t appender = MustOpen(file, O_WRONLY | O_APPEND);
  // The kernel's idea of the end may be stale; the driver appends at the real one.
  ASSERT_EQ(Write(file, appender, 0, "678", O_WRONLY | O_APPEND).error, 0);
  EXPECT_EQ(Read(file, fh, 0, 100).Text(), "12345678");
  EXPECT_EQ(Release(file, appender).error, 0);
  EXPECT_EQ(Release(file, fh).error, 0);
}

TEST_F(DispatchTest, WritebackCacheWritesLandAtTheKernelsOffsets) {
  ConnectionInfo info;
  info.flags = init_flag::kWritebackCache;
  dispatcher().Init(info);
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  ASSERT_EQ(Write(file, fh, 0, "12345").error, 0);
  uint64_t appender = MustOpen(file, O_WRONLY | O_APPEND);
  // A page written back from the cache of an O_APPEND file: its offset is the kernel's.
  RequestContext ctx = Ctx(Opcode::kWrite, file);
  fuse_write_in in{};
  in.fh = appender;
  in.offset = 1;
  in.size = 2;
  in.write_flags = kWriteCache;
  in.flags = O_WRONLY | O_APPEND;
  dispatcher().Write(ctx, in, std::as_bytes(std::span("ab", 2)), NewReply(ctx));
  ASSERT_EQ(Receive().error, 0);
  EXPECT_EQ(Read(file, fh, 0, 100).Text(), "1ab45");
  EXPECT_EQ(Release(file, appender).error, 0);
  EXPECT_EQ(Release(file, fh).error, 0);
}

// The kernel fills a page that a cached write covers only in part with a READ through
// the writer's own handle, even when the program opened the file write-only.
TEST_F(DispatchTest, WritebackCacheLetsAWriteOnlyOpenRead) {
  ConnectionInfo info;
  info.flags = init_flag::kWritebackCache;
  dispatcher().Init(info);
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh, O_WRONLY | O_CREAT);
  ASSERT_EQ(Write(file, fh, 0, "hello world").error, 0);
  EXPECT_EQ(Read(file, fh, 0, 100).Text(), "hello world");
  uint64_t writer = MustOpen(file, O_WRONLY);
  EXPECT_EQ(Read(file, writer, 6, 100).Text(), "world");
  EXPECT_EQ(Release(file, writer).error, 0);
  EXPECT_EQ(Release(file, fh).error, 0);
}

TEST_F(DispatchTest, WithoutTheWritebackCacheAWriteOnlyOpenCannotRead) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh, O_WRONLY | O_CREAT);
  ASSERT_EQ(Write(file, fh, 0, "hello world").error, 0);
  EXPECT_NE(Read(file, fh, 0, 100).error, 0);
  EXPECT_EQ(Release(file, fh).error, 0);
}

TEST_F(DispatchTest, UnlinkOfAnOpenFileKeepsReadsWorking) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  ASSERT_EQ(Write(file, fh, 0, "still here").error, 0);
  ASSERT_EQ(Unlink(kRootId, "f").error, 0);
  EXPECT_EQ(Lookup(kRootId, "f").error, ENOENT);

  EXPECT_EQ(Read(file, fh, 0, 100).Text(), "still here");
  ASSERT_EQ(Write(file, fh, 10, "!").error, 0);
  EXPECT_EQ(Read(file, fh, 0, 100).Text(), "still here!");
  Answer attr = Getattr(file, fh);
  ASSERT_EQ(attr.error, 0);
  EXPECT_EQ(attr.As<fuse_attr_out>().attr.nlink, 0u);
  // The name is free again for a new file, which is a different node.
  uint64_t other, fh2;
  MustCreate(kRootId, "f", &other, &fh2);
  EXPECT_NE(other, file);
  EXPECT_EQ(Read(file, fh, 0, 100).Text(), "still here!");
  EXPECT_EQ(Release(file, fh).error, 0);
  EXPECT_EQ(Release(other, fh2).error, 0);
}

TEST_F(DispatchTest, SetattrTruncatesAndChangesMode) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  ASSERT_EQ(Write(file, fh, 0, "0123456789").error, 0);

  fuse_setattr_in in{};
  in.valid = fattr::kSize | fattr::kFh;
  in.fh = fh;
  in.size = 4;
  Answer truncated = Setattr(file, in);
  ASSERT_EQ(truncated.error, 0);
  EXPECT_EQ(truncated.As<fuse_attr_out>().attr.size, 4u);
  EXPECT_EQ(Read(file, fh, 0, 100).Text(), "0123");

  in = fuse_setattr_in{};
  in.valid = fattr::kMode;
  in.mode = S_IFREG | 0600;
  Answer chmod = Setattr(file, in);
  ASSERT_EQ(chmod.error, 0);
  EXPECT_EQ(chmod.As<fuse_attr_out>().attr.mode, static_cast<uint32_t>(S_IFREG | 0600));

  in = fuse_setattr_in{};
  in.valid = fattr::kMtime | fattr::kAtime;
  in.mtime = 1000000000;
  in.mtimensec = 5;
  in.atime = 900000000;
  Answer times = Setattr(file, in);
  ASSERT_EQ(times.error, 0);
  EXPECT_EQ(times.As<fuse_attr_out>().attr.mtime, 1000000000u);
  EXPECT_EQ(times.As<fuse_attr_out>().attr.mtimensec, 5u);
  EXPECT_EQ(times.As<fuse_attr_out>().attr.atime, 900000000u);

  in = fuse_setattr_in{};
  in.valid = fattr::kSize | fattr::kFh;
  in.fh = fh + (1ull << 40);
  EXPECT_EQ(Setattr(file, in).error, EBADF);
  EXPECT_EQ(Release(file, fh).error, 0);
}

TEST_F(DispatchTest, FsyncFlushAndFallocate) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  RequestContext ctx = Ctx(Opcode::kFsync, file);
  dispatcher().Fsync(ctx, fuse_fsync_in{fh, kFsyncFdatasync, 0}, NewReply(ctx));
  EXPECT_EQ(Receive().error, 0);
  ctx = Ctx(Opcode::kFlush, file);
  dispatcher().Flush(ctx, fuse_flush_in{fh, 0, 0, 42}, NewReply(ctx));
  EXPECT_EQ(Receive().error, 0);

  ctx = Ctx(Opcode::kFallocate, file);
  fuse_fallocate_in falloc{};
  falloc.fh = fh;
  falloc.offset = 0;
  falloc.length = 8192;
  dispatcher().Fallocate(ctx, falloc, NewReply(ctx));
  EXPECT_EQ(Receive().error, 0);
  EXPECT_EQ(Getattr(file).As<fuse_attr_out>().attr.size, 8192u);
  EXPECT_EQ(Release(file, fh).error, 0);
}

TEST_F(DispatchTest, LseekDataHoleAndEnd) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  ASSERT_EQ(Write(file, fh, 1 << 20, "data").error, 0);
  auto seek = [&](uint64_t offset, uint32_t whence) {
    RequestContext ctx = Ctx(Opcode::kLseek, file);
    fuse_lseek_in in{fh, offset, whence, 0};
    dispatcher().Lseek(ctx, in, NewReply(ctx));
    return Receive();
  };
  Answer data = seek(0, SEEK_DATA);
  ASSERT_EQ(data.error, 0);
  EXPECT_GT(data.As<fuse_lseek_out>().offset, 0u);
  EXPECT_LE(data.As<fuse_lseek_out>().offset, 1u << 20);
  Answer hole = seek(0, SEEK_HOLE);
  ASSERT_EQ(hole.error, 0);
  EXPECT_EQ(hole.As<fuse_lseek_out>().offset, 0u);
  EXPECT_EQ(seek(2 << 20, SEEK_DATA).error, ENXIO);
  EXPECT_EQ(seek(-4, SEEK_END).As<fuse_lseek_out>().offset, (1u << 20));
  EXPECT_EQ(seek(77, SEEK_SET).As<fuse_lseek_out>().offset, 77u);
  EXPECT_EQ(seek(0, SEEK_CUR).error, EINVAL);
  EXPECT_EQ(Release(file, fh).error, 0);
}

TEST_F(DispatchTest, UnsupportedOperationsAnswerEnosys) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  RequestContext ctx = Ctx(Opcode::kPoll, file);
  dispatcher().Poll(ctx, fuse_poll_in{fh, 0, 0, 1}, NewReply(ctx));
  EXPECT_EQ(Receive().error, ENOSYS);
  ctx = Ctx(Opcode::kTmpfile, kRootId);
  dispatcher().Tmpfile(ctx, fuse_create_in{O_RDWR, S_IFREG | 0600, 0, 0}, "/", NewReply(ctx));
  EXPECT_EQ(Receive().error, ENOSYS);
  ctx = Ctx(Opcode::kIoctl, file);
  fuse_ioctl_in ioctl{};
  ioctl.fh = fh;
  ioctl.flags = ioctl_flag::kUnrestricted;
  dispatcher().Ioctl(ctx, ioctl, {}, NewReply(ctx));
  EXPECT_EQ(Receive().error, ENOSYS);
  // The dispatcher is undisturbed afterwards.
  EXPECT_EQ(Write(file, fh, 0, "ok").error, 0);
  EXPECT_EQ(Release(file, fh).error, 0);
}

TEST_F(DispatchTest, OpendirOfAFileAndOpenOfADirectoryFail) {
  uint64_t file, fh;
  MustCreate(kRootId, "f", &file, &fh);
  EXPECT_EQ(Opendir(file).error, ENOTDIR);
  fuse_entry_out dir = EntryOf(Mkdir(kRootId, "d"));
  EXPECT_EQ(Open(dir.nodeid, O_RDONLY).error, EISDIR);
  EXPECT_EQ(Release(file, fh).error, 0);
}

TEST_F(DispatchTest, ConcurrentRequestsFromManyThreads) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  // Replies interleave on the socket; this test only counts them.
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        std::string name = "f" + std::to_string(t) + "_" + std::to_string(i % 5);
        RequestContext ctx;
        {
          static std::mutex m;
          std::lock_guard lock(m);
          ctx = Ctx(Opcode::kMkdir, kRootId);
        }
        dispatcher().Mkdir(ctx, fuse_mkdir_in{0755, 0}, name, NewReply(ctx));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  int replies = 0;
  while (ReplyWaiting(0)) {
    Answer answer = Receive();
    if (answer.error != 0 && answer.error != EEXIST) ++failures;
    ++replies;
  }
  EXPECT_EQ(replies, kThreads * kRounds);
  EXPECT_EQ(failures.load(), 0);
  // 4 x 5 distinct directories, each counted once per successful mkdir.
  EXPECT_EQ(dispatcher().nodes().LiveCount(), 1u + kThreads * 5);
}

}  // namespace
}  // namespace irpfs::fuse::testing
