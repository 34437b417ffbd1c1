// Reply and the in-flight table on their own, over a socketpair standing for /dev/fuse.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "transport/fuse/buffer_pool.h"
#include "transport/fuse/request_table.h"

namespace irpfs::fuse {
namespace {

class ReplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds_), 0);
  }
  void TearDown() override {
    close(fds_[0]);
    close(fds_[1]);
  }

  Reply Begin(uint64_t unique, uint32_t outLimit = 0) {
    RequestContext ctx;
    ctx.unique = unique;
    ctx.opcode = Opcode::kGetattr;
    return table_.Begin(ctx, fds_[0], nullptr, outLimit);
  }

  // The next reply on the kernel side: header and payload size.
  bool Next(fuse_out_header* header, std::vector<std::byte>* payload = nullptr) {
    pollfd p{fds_[1], POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) return false;
    std::vector<std::byte> buffer(1 << 20);
    ssize_t n = recv(fds_[1], buffer.data(), buffer.size(), 0);
    if (n < static_cast<ssize_t>(sizeof *header)) return false;
    std::memcpy(header, buffer.data(), sizeof *header);
    if (payload) payload->assign(buffer.begin() + sizeof *header, buffer.begin() + n);
    return true;
  }
  bool Quiet() {
    pollfd p{fds_[1], POLLIN, 0};
    return poll(&p, 1, 50) == 0;
  }

  int fds_[2];
  BufferPool pool_{64 * 1024};
  RequestTable table_{pool_};
};

TEST_F(ReplyTest, CompletesOnceAndReleasesTheRecord) {
  Reply reply = Begin(2);
  EXPECT_TRUE(reply.Pending());
  EXPECT_EQ(reply.Context().unique, 2u);
  EXPECT_EQ(table_.InFlightCount(), 1u);
  reply.Error(ENOENT);
  EXPECT_FALSE(reply.Pending());
  EXPECT_EQ(table_.InFlightCount(), 0u);
  fuse_out_header header;
  ASSERT_TRUE(Next(&header));
  EXPECT_EQ(header.unique, 2u);
  EXPECT_EQ(header.error, -ENOENT);
  EXPECT_EQ(header.len, sizeof header);
}

#ifndef NDEBUG
TEST_F(ReplyTest, SecondCompletionAbortsInDebugBuilds) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        Reply reply = Begin(4);
        reply.Empty();
        reply.Empty();
      },
      "already completed");
}
#endif

TEST_F(ReplyTest, MovedFromHandleIsEmpty) {
  Reply reply = Begin(6);
  Reply moved = std::move(reply);
  EXPECT_FALSE(reply.Pending());
  EXPECT_TRUE(moved.Pending());
  moved.Write(7);
  fuse_out_header header;
  std::vector<std::byte> payload;
  ASSERT_TRUE(Next(&header, &payload));
  ASSERT_EQ(payload.size(), sizeof(fuse_write_out));
  fuse_write_out out;
  std::memcpy(&out, payload.data(), sizeof out);
  EXPECT_EQ(out.size, 7u);
}

TEST_F(ReplyTest, CreateSendsEntryThenOpen) {
  Reply reply = Begin(8);
  fuse_entry_out entry{};
  entry.nodeid = 5;
  fuse_open_out open{9, fopen::kDirectIo, 0};
  reply.Create(entry, open);
  fuse_out_header header;
  std::vector<std::byte> payload;
  ASSERT_TRUE(Next(&header, &payload));
  ASSERT_EQ(payload.size(), sizeof entry + sizeof open);
  fuse_open_out got;
  std::memcpy(&got, payload.data() + sizeof entry, sizeof got);
  EXPECT_EQ(got.fh, 9u);
}

TEST_F(ReplyTest, BufferRepliesWithTheUsedPart) {
  Reply reply = Begin(10, 4096);
  std::span<std::byte> buffer = reply.AcquireBuffer(3000);
  ASSERT_GE(buffer.size(), 3000u);
  std::memset(buffer.data(), 'x', 100);
  // Asking again for less keeps the same buffer.
  EXPECT_EQ(reply.AcquireBuffer(10).data(), buffer.data());
  reply.Buffer(100);
  fuse_out_header header;
  std::vector<std::byte> payload;
  ASSERT_TRUE(Next(&header, &payload));
  EXPECT_EQ(payload.size(), 100u);
  EXPECT_EQ(payload[99], std::byte{'x'});
}

TEST_F(ReplyTest, PayloadOverTheRequestsLimitBecomesEio) {
  Reply reply = Begin(12, 16);
  std::vector<std::byte> data(17);
  reply.Data(data);
  fuse_out_header header;
  ASSERT_TRUE(Next(&header));
  EXPECT_EQ(header.error, -EIO);
  EXPECT_EQ(header.len, sizeof header);
}

TEST_F(ReplyTest, BufferWithoutAcquireIsEio) {
  Reply reply = Begin(14);
  reply.Buffer(10);
  fuse_out_header header;
  ASSERT_TRUE(Next(&header));
  EXPECT_EQ(header.error, -EIO);
}

struct HookState {
  std::atomic<int> runs{0};
  Reply* reply = nullptr;  // completed from inside the hook when set
};

void CountingHook(void* context) {
  auto* state = static_cast<HookState*>(context);
  ++state->runs;
  if (state->reply != nullptr) state->reply->Error(EINTR);
}

TEST_F(ReplyTest, HookSetAfterTheInterruptRunsInline) {
  Reply reply = Begin(20);
  table_.Interrupt(20, 21, fds_[0]);
  EXPECT_TRUE(reply.Interrupted());
  HookState state;
  state.reply = &reply;
  reply.SetCancelHook(&CountingHook, &state);
  EXPECT_EQ(state.runs.load(), 1);
  EXPECT_FALSE(reply.Pending());
  EXPECT_EQ(table_.InFlightCount(), 0u);
  fuse_out_header header;
  ASSERT_TRUE(Next(&header));
  EXPECT_EQ(header.error, -EINTR);
}

TEST_F(ReplyTest, HookRunsAtMostOnce) {
  Reply reply = Begin(22);
  HookState state;
  reply.SetCancelHook(&CountingHook, &state);
  table_.Interrupt(22, 23, fds_[0]);
  table_.Interrupt(22, 23, fds_[0]);  // the kernel may resend it
  EXPECT_EQ(state.runs.load(), 1);
  reply.Empty();
}

TEST_F(ReplyTest, ClearedHookDoesNotRun) {
  Reply reply = Begin(24);
  HookState state;
  reply.SetCancelHook(&CountingHook, &state);
  reply.ClearCancelHook();
  table_.Interrupt(24, 25, fds_[0]);
  EXPECT_EQ(state.runs.load(), 0);
  EXPECT_TRUE(reply.Interrupted());
  reply.Empty();
}

TEST_F(ReplyTest, InterruptBeforeBeginMarksTheRequest) {
  table_.Interrupt(26, 27, fds_[0]);
  EXPECT_EQ(table_.EarlyInterruptCount(), 1u);
  Reply reply = Begin(26);
  EXPECT_TRUE(reply.Interrupted());
  EXPECT_EQ(table_.EarlyInterruptCount(), 0u);
  reply.Empty();
  EXPECT_TRUE(Quiet() == false);  // the reply itself
}

TEST_F(ReplyTest, EarlyInterruptsAreBounded) {
  for (uint64_t i = 0; i <= RequestTable::kMaxEarlyInterrupts; ++i) {
    table_.Interrupt(1000 + 2 * i, 1001 + 2 * i, fds_[0]);
  }
  EXPECT_EQ(table_.EarlyInterruptCount(), RequestTable::kMaxEarlyInterrupts);
  fuse_out_header header;
  ASSERT_TRUE(Next(&header));
  EXPECT_EQ(header.unique, 1001u);  // the oldest was bounced
  EXPECT_EQ(header.error, -EAGAIN);
}

// A completion racing a running hook waits for it: after Empty() returns, the hook's
// context may be freed.
TEST_F(ReplyTest, CompletionWaitsForARunningHook) {
  Reply reply = Begin(30);
  std::atomic<bool> hookEntered{false};
  std::atomic<bool> hookMayLeave{false};
  std::atomic<bool> hookLeft{false};
  struct Context {
    std::atomic<bool>* entered;
    std::atomic<bool>* mayLeave;
    std::atomic<bool>* left;
  } context{&hookEntered, &hookMayLeave, &hookLeft};
  reply.SetCancelHook(
      [](void* c) {
        auto* ctx = static_cast<Context*>(c);
        ctx->entered->store(true);
        while (!ctx->mayLeave->load()) std::this_thread::yield();
        ctx->left->store(true);
      },
      &context);
  std::thread interrupter([&] { table_.Interrupt(30, 31, fds_[0]); });
  while (!hookEntered.load()) std::this_thread::yield();
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    hookMayLeave.store(true);
  });
  reply.Empty();
  EXPECT_TRUE(hookLeft.load());
  interrupter.join();
  releaser.join();
  EXPECT_EQ(table_.InFlightCount(), 0u);
}

TEST_F(ReplyTest, DetachedTableWritesNothing) {
  Reply early = Begin(50);
  table_.Detach();
  Reply late = Begin(52);
  early.Empty();
  late.Error(EIO);
  EXPECT_TRUE(Quiet());
  EXPECT_EQ(table_.InFlightCount(), 0u);
}

TEST_F(ReplyTest, RecordsAreReused) {
  for (uint64_t unique = 40; unique < 140; unique += 2) {
    Reply reply = Begin(unique);
    reply.Empty();
    fuse_out_header header;
    ASSERT_TRUE(Next(&header));
    EXPECT_EQ(header.unique, unique);
  }
  EXPECT_EQ(table_.InFlightCount(), 0u);
}

TEST(BufferPoolTest, PinnedReceiveBufferComesBackAfterBothRelease) {
  BufferPool pool(8192);
  RecvBuffer* buffer = pool.AcquireRecv();
  ASSERT_NE(buffer, nullptr);
  buffer->refs.fetch_add(1);  // a request pins it
  buffer->pinned = true;
  pool.ReleaseRecv(buffer);  // the worker lets go
  RecvBuffer* other = pool.AcquireRecv();
  EXPECT_NE(other, buffer);  // still held by the request
  pool.ReleaseRecv(buffer);  // the request completes
  RecvBuffer* again = pool.AcquireRecv();
  EXPECT_EQ(again, buffer);
  EXPECT_FALSE(again->pinned.load());
  pool.ReleaseRecv(other);
  pool.ReleaseRecv(again);
}

TEST(BufferPoolTest, OutBuffersBySizeClass) {
  BufferPool pool(8192);
  OutBuffer* small = pool.AcquireOut(100);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->capacity, BufferPool::kSmallestOut);
  OutBuffer* big = pool.AcquireOut(1 << 20);
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->capacity, size_t{1} << 20);
  EXPECT_EQ(pool.AcquireOut(size_t{1} << 30), nullptr);
  pool.ReleaseOut(small);
  EXPECT_EQ(pool.AcquireOut(4000), small);
  pool.ReleaseOut(small);
  pool.ReleaseOut(big);
}

}  // namespace
}  // namespace irpfs::fuse
