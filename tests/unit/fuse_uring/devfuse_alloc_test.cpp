// Section 3 of the issue, /dev/fuse side: the channel + dispatcher + memfs stack serves
// GETATTR and READ without a heap allocation once warm. The kernel is played over a
// SOCK_SEQPACKET socket pair (fuse_channel's SocketTransport), with raw send/recv on
// fixed buffers so that the test's own side allocates nothing while it counts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "counting_new.h"
#include "fake_kernel.h"
#include "memfs_mount.h"
#include "transport/fuse/channel.h"

namespace irpfs::fuse::testing {
namespace {

class DevFuseAllocTest : public ::testing::Test {
 protected:
  int* volatile probe_ = nullptr;

  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds_), 0);
    int size = 4 << 20;
    setsockopt(fds_[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fds_[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    std::string error;
    ASSERT_TRUE(fs_.Create(DispatcherOptions{}, &error)) << error;
    transport_ = std::make_unique<SocketTransport>(fds_[0]);  // owns fds_[0]
    ChannelOptions options;
    options.threads = 1;
    options.maxWrite = 128 * 1024;
    channel_ = std::make_unique<FuseChannel>(*transport_, fs_.dispatcher(), options);

    fuse_init_in init = FakeKernel::ModernInit();
    SendRaw(Opcode::kInit, 0, &init, sizeof init, nullptr, 0);
    ASSERT_EQ(channel_->Start(), NtStatus::Success) << channel_->error();
    ASSERT_EQ(ReceiveRaw(), 0);
  }
  void TearDown() override {
    if (fds_[1] >= 0) close(fds_[1]);  // the workers see end-of-file
    if (channel_) channel_->Wait();
    fs_.Unmount();  // drops the dispatcher before the channel goes
    channel_.reset();
    transport_.reset();
  }

  // Sends one request built on the stack. Returns its unique.
  uint64_t SendRaw(Opcode opcode, uint64_t nodeid, const void* fixed, size_t fixedSize,
                   const void* tail, size_t tailSize) {
    fuse_in_header header{};
    header.len = static_cast<uint32_t>(sizeof header + fixedSize + tailSize);
    header.opcode = static_cast<uint32_t>(opcode);
    header.unique = nextUnique_;
    nextUnique_ += 2;
    header.nodeid = nodeid;
    header.uid = 0;
    header.gid = 0;
    header.pid = static_cast<uint32_t>(getpid());
    iovec pieces[3] = {{&header, sizeof header},
                       {const_cast<void*>(fixed), fixedSize},
                       {const_cast<void*>(tail), tailSize}};
    msghdr message{};
    message.msg_iov = pieces;
    message.msg_iovlen = 3;
    sendmsg(fds_[1], &message, 0);
    return header.unique;
  }
  // Receives one reply into reply_; returns its (negative) error, or 1 on a socket error.
  int ReceiveRaw() {
    ssize_t n = recv(fds_[1], reply_, sizeof reply_, 0);
    if (n < static_cast<ssize_t>(sizeof(fuse_out_header))) return 1;
    fuse_out_header header;
    std::memcpy(&header, reply_, sizeof header);
    replySize_ = static_cast<size_t>(n);
    return header.error;
  }
  template <typename T>
  T ReplyAs(size_t offset = 0) const {
    T value{};
    std::memcpy(&value, reply_ + sizeof(fuse_out_header) + offset, sizeof value);
    return value;
  }

  int fds_[2] = {-1, -1};
  MemfsMount fs_;
  std::unique_ptr<SocketTransport> transport_;
  std::unique_ptr<FuseChannel> channel_;
  uint64_t nextUnique_ = 2;
  alignas(8) char reply_[256 * 1024];
  size_t replySize_ = 0;
};

TEST_F(DevFuseAllocTest, CountingAllocatorSeesAllocations) {
  const uint64_t before = AllocationCount();
  probe_ = new int(7);  // through a volatile pointer, so the allocation is not elided
  EXPECT_GT(AllocationCount(), before);
  delete probe_;
}

TEST_F(DevFuseAllocTest, GetattrAndReadAllocateNothingOnceWarm) {
  fuse_create_in create{};
  create.flags = O_RDWR;
  create.mode = S_IFREG | 0644;
  SendRaw(Opcode::kCreate, kRootId, &create, sizeof create, "data", 5);
  ASSERT_EQ(ReceiveRaw(), 0);
  const uint64_t nodeid = ReplyAs<fuse_entry_out>().nodeid;
  const uint64_t fh = ReplyAs<fuse_open_out>(sizeof(fuse_entry_out)).fh;
  ASSERT_NE(nodeid, 0u);

  static char block[4096];
  std::memset(block, 'y', sizeof block);
  fuse_write_in write{};
  write.fh = fh;
  write.size = sizeof block;
  SendRaw(Opcode::kWrite, nodeid, &write, sizeof write, block, sizeof block);
  ASSERT_EQ(ReceiveRaw(), 0);

  fuse_getattr_in getattr{};
  fuse_read_in read{};
  read.fh = fh;
  read.size = sizeof block;
  auto round = [&](int* failures) {
    SendRaw(Opcode::kGetattr, nodeid, &getattr, sizeof getattr, nullptr, 0);
    if (ReceiveRaw() != 0 || ReplyAs<fuse_attr_out>().attr.size != sizeof block) ++*failures;
    SendRaw(Opcode::kRead, nodeid, &read, sizeof read, nullptr, 0);
    if (ReceiveRaw() != 0 || replySize_ != sizeof(fuse_out_header) + sizeof block) ++*failures;
  };
  int failures = 0;
  for (int i = 0; i < 20; ++i) round(&failures);  // warm-up
  constexpr int kRounds = 500;
  const uint64_t before = AllocationCount();
  for (int i = 0; i < kRounds; ++i) round(&failures);
  const uint64_t allocations = AllocationCount() - before;
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(channel_->RequestCount(Opcode::kRead), static_cast<uint64_t>(kRounds + 20));
  EXPECT_EQ(allocations, 0u) << allocations << " allocations over " << 2 * kRounds << " requests";

  fuse_release_in release{};
  release.fh = fh;
  SendRaw(Opcode::kRelease, nodeid, &release, sizeof release, nullptr, 0);
  EXPECT_EQ(ReceiveRaw(), 0);
}

}  // namespace
}  // namespace irpfs::fuse::testing
