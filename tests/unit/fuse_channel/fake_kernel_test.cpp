// The channel against FakeKernel: INIT negotiation, dispatch, malformed input, ENOSYS,
// cancellation (including an INTERRUPT that overtakes its request), out-of-order and
// cross-thread completion, pinned input, invalidations, and shutdown.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "fake_kernel.h"
#include "hello_dispatcher.h"
#include "request_builder.h"
#include "transport/fuse/channel.h"

namespace irpfs::fuse {
namespace {

using testing::FakeKernel;
using testing::HelloDispatcher;
using testing::ReplyMessage;
using testing::RequestBuilder;

// Answers GETATTR inline; pends SETLKW and WRITE so the test completes them later.
class ScriptedDispatcher : public HelloDispatcher {
 public:
  struct Pended {
    Reply reply;
    uint64_t unique = 0;
    std::string payload;  // WRITE: copied at completion time from the pinned input
    std::span<const std::byte> input;
  };

  void Setlkw(const RequestContext& ctx, const fuse_lk_in&, Reply reply) override {
    auto pended = std::make_shared<Pended>();
    pended->unique = ctx.unique;
    pended->reply = std::move(reply);
    {
      std::lock_guard lock(mu_);
      pending_.push_back(pended);
    }
    pended->reply.SetCancelHook(&ScriptedDispatcher::Cancel, pended.get());
    cv_.notify_all();
  }

  void Write(const RequestContext& ctx, const fuse_write_in& in, std::span<const std::byte> data,
             Reply reply) override {
    auto pended = std::make_shared<Pended>();
    pended->unique = ctx.unique;
    reply.PinInput();
    pended->input = data;
    pended->reply = std::move(reply);
    std::lock_guard lock(mu_);
    pending_.push_back(pended);
    cv_.notify_all();
  }

  // Cancel hook: the "driver" stops the wait and completes the request with EINTR.
  static void Cancel(void* context) {
    auto* pended = static_cast<Pended*>(context);
    ++cancels;
    pended->reply.Error(EINTR);
  }

  std::shared_ptr<Pended> WaitPended(uint64_t unique) {
    std::unique_lock lock(mu_);
    std::shared_ptr<Pended> found;
    cv_.wait_for(lock, std::chrono::seconds(5), [&] {
      for (auto& p : pending_) {
        if (p->unique == unique) found = p;
      }
      return found != nullptr;
    });
    return found;
  }

  static inline std::atomic<int> cancels{0};

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Pended>> pending_;
};

class FakeKernelTest : public ::testing::Test {
 protected:
  void SetUp() override { ScriptedDispatcher::cancels = 0; }

  void StartChannel(ChannelOptions options = {}, fuse_init_in init = FakeKernel::ModernInit()) {
    if (options.threads == 0) options.threads = 1;
    channel_ = std::make_unique<FuseChannel>(kernel_.transport(), dispatcher_, options);
    kernel_.SendInit(init);
    ASSERT_EQ(channel_->Start(), NtStatus::Success) << channel_->error();
    ASSERT_TRUE(kernel_.ReceiveFor(1, &initReply_));
  }

  void TearDown() override {
    kernel_.Close();
    if (channel_) channel_->Wait();
  }

  ReplyMessage Call(const std::vector<std::byte>& request, uint64_t unique) {
    kernel_.Send(request);
    ReplyMessage reply;
    EXPECT_TRUE(kernel_.ReceiveFor(unique, &reply)) << "no reply to " << unique;
    return reply;
  }

  FakeKernel kernel_;
  ScriptedDispatcher dispatcher_;
  std::unique_ptr<FuseChannel> channel_;
  ReplyMessage initReply_;
};

TEST_F(FakeKernelTest, PassthroughIsLeftOutWhenTheKernelDoesNotOfferIt) {
  fuse_init_in init = FakeKernel::ModernInit();
  init.flags2 &= ~static_cast<uint32_t>(init_flag::kPassthrough >> 32);
  ChannelOptions options;
  options.passthrough = true;
  StartChannel(options, init);
  ASSERT_EQ(initReply_.header.error, 0);
  auto out = initReply_.As<fuse_init_out>();
  uint64_t flags = out.flags | (uint64_t{out.flags2} << 32);
  EXPECT_FALSE(flags & init_flag::kPassthrough);
  EXPECT_EQ(out.max_stack_depth, 0u);
  EXPECT_EQ(dispatcher_.info.backingFiles, nullptr);
}

TEST_F(FakeKernelTest, InitNegotiatesWhatBothOffer) {
  ChannelOptions options;
  options.passthrough = true;
  StartChannel(options);
  ASSERT_EQ(initReply_.header.error, 0);
  ASSERT_EQ(initReply_.payload.size(), sizeof(fuse_init_out));
  auto out = initReply_.As<fuse_init_out>();
  EXPECT_EQ(out.major, 7u);
  EXPECT_EQ(out.minor, 45u);
  EXPECT_EQ(out.max_write, 1u << 20);
  EXPECT_EQ(out.max_pages, 256u);
  EXPECT_EQ(out.max_stack_depth, 1u);
  uint64_t flags = out.flags | (uint64_t{out.flags2} << 32);
  EXPECT_TRUE(flags & init_flag::kAsyncRead);
  EXPECT_TRUE(flags & init_flag::kParallelDirops);
  EXPECT_TRUE(flags & init_flag::kDoReaddirplus);
  EXPECT_TRUE(flags & init_flag::kReaddirplusAuto);
  EXPECT_TRUE(flags & init_flag::kPosixLocks);
  EXPECT_TRUE(flags & init_flag::kFlockLocks);
  EXPECT_TRUE(flags & init_flag::kAtomicOTrunc);
  EXPECT_TRUE(flags & init_flag::kBigWrites);
  EXPECT_TRUE(flags & init_flag::kPassthrough);
  EXPECT_TRUE(flags & init_flag::kInitExt);
  EXPECT_FALSE(flags & init_flag::kWritebackCache);  // an option, off by default
  EXPECT_FALSE(flags & init_flag::kExportSupport);
  EXPECT_FALSE(flags & init_flag::kOverIoUring);
  EXPECT_EQ(dispatcher_.initCalls.load(), 1);
  EXPECT_EQ(dispatcher_.info.flags, flags);
  // Passthrough agreed: the dispatcher registers backing files through the transport.
  EXPECT_EQ(dispatcher_.info.backingFiles, &kernel_.transport());
  EXPECT_TRUE(dispatcher_.info.KernelOffers(init_flag::kOverIoUring));
  EXPECT_EQ(dispatcher_.info.maxRead, 256u * 4096u);
}

// `-o sync_read`: neither async flag is offered, though the kernel offers both, so every
// READ is a request its reader waits on and a signal can interrupt it.
TEST_F(FakeKernelTest, SyncReadOffersNeitherAsyncReadNorAsyncDio) {
  ChannelOptions options;
  options.asyncRead = false;
  StartChannel(options);
  ASSERT_EQ(initReply_.header.error, 0);
  auto out = initReply_.As<fuse_init_out>();
  uint64_t flags = out.flags | (uint64_t{out.flags2} << 32);
  EXPECT_TRUE(dispatcher_.info.KernelOffers(init_flag::kAsyncRead));
  EXPECT_TRUE(dispatcher_.info.KernelOffers(init_flag::kAsyncDio));
  EXPECT_FALSE(flags & init_flag::kAsyncRead);
  EXPECT_FALSE(flags & init_flag::kAsyncDio);
  EXPECT_TRUE(flags & init_flag::kParallelDirops) << "nothing else changes";
}

TEST_F(FakeKernelTest, InitWithAnOlderKernel) {
  fuse_init_in in = FakeKernel::ModernInit();
  in.minor = 34;
  in.flags &= ~static_cast<uint32_t>(init_flag::kInitExt);
  ChannelOptions options;
  options.writebackCache = true;
  StartChannel(options, in);
  auto out = initReply_.As<fuse_init_out>();
  EXPECT_EQ(out.minor, 34u);
  EXPECT_EQ(out.flags2, 0u);  // no INIT_EXT: nothing in flags2
  EXPECT_TRUE(out.flags & init_flag::kWritebackCache);
}

TEST_F(FakeKernelTest, InitRefusesTooOldAKernel) {
  fuse_init_in in = FakeKernel::ModernInit();
  in.minor = 20;
  FuseChannel channel(kernel_.transport(), dispatcher_, ChannelOptions{});
  kernel_.SendInit(in);
  EXPECT_NE(channel.Start(), NtStatus::Success);
  EXPECT_NE(channel.error().find("7.20"), std::string::npos) << channel.error();
  ReplyMessage reply;
  ASSERT_TRUE(kernel_.ReceiveFor(1, &reply));
  EXPECT_EQ(reply.header.error, -EPROTO);
}

TEST_F(FakeKernelTest, InitFromANewerMajorIsRenegotiated) {
  fuse_init_in newer = FakeKernel::ModernInit();
  newer.major = 8;
  FuseChannel channel(kernel_.transport(), dispatcher_, ChannelOptions{.threads = 1});
  kernel_.SendInit(newer, 1);
  kernel_.SendInit(FakeKernel::ModernInit(), 3);
  ASSERT_EQ(channel.Start(), NtStatus::Success) << channel.error();
  ReplyMessage first, second;
  ASSERT_TRUE(kernel_.ReceiveFor(1, &first));
  EXPECT_EQ(first.As<fuse_init_out>().major, 7u);
  ASSERT_TRUE(kernel_.ReceiveFor(3, &second));
  EXPECT_EQ(second.As<fuse_init_out>().minor, 45u);
  kernel_.Close();
  channel.Wait();
}

TEST_F(FakeKernelTest, FirstMessageMustBeInit) {
  FuseChannel channel(kernel_.transport(), dispatcher_, ChannelOptions{});
  kernel_.Send(RequestBuilder(Opcode::kStatfs, 2).Build());
  EXPECT_NE(channel.Start(), NtStatus::Success);
  ReplyMessage reply;
  ASSERT_TRUE(kernel_.ReceiveFor(2, &reply));
  EXPECT_EQ(reply.header.error, -EIO);
}

TEST_F(FakeKernelTest, LookupAndGetattr) {
  StartChannel();
  ReplyMessage reply = Call(RequestBuilder(Opcode::kLookup, 2).Name("hello").Build(), 2);
  ASSERT_EQ(reply.header.error, 0);
  ASSERT_EQ(reply.payload.size(), sizeof(fuse_entry_out));
  EXPECT_EQ(reply.As<fuse_entry_out>().nodeid, testing::kHelloIno);

  reply = Call(RequestBuilder(Opcode::kLookup, 4).Name("nope").Build(), 4);
  EXPECT_EQ(reply.header.error, -ENOENT);
  EXPECT_TRUE(reply.payload.empty());

  reply = Call(
      RequestBuilder(Opcode::kGetattr, 6, testing::kHelloIno).Struct(fuse_getattr_in{}).Build(), 6);
  ASSERT_EQ(reply.payload.size(), sizeof(fuse_attr_out));
  EXPECT_EQ(reply.As<fuse_attr_out>().attr.size, testing::kHelloData.size());
  EXPECT_EQ(channel_->RequestCount(Opcode::kLookup), 2u);
}

TEST_F(FakeKernelTest, ReadAndReaddir) {
  StartChannel();
  fuse_read_in read{};
  read.size = 4096;
  ReplyMessage reply =
      Call(RequestBuilder(Opcode::kRead, 2, testing::kHelloIno).Struct(read).Build(), 2);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(reply.payload.data()), reply.payload.size()),
            testing::kHelloData);

  reply = Call(RequestBuilder(Opcode::kReaddir, 4).Struct(read).Build(), 4);
  ASSERT_EQ(reply.header.error, 0);
  std::vector<std::string> names;
  size_t at = 0;
  while (at + sizeof(fuse_dirent) <= reply.payload.size()) {
    fuse_dirent d;
    std::memcpy(&d, reply.payload.data() + at, sizeof d);
    names.emplace_back(reinterpret_cast<const char*>(reply.payload.data()) + at + sizeof d,
                       d.namelen);
    at += DirentSize(d.namelen);
  }
  EXPECT_EQ(at, reply.payload.size());
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "hello"}));

  // A directory buffer too small for any entry: empty reply (the kernel then stops).
  read.size = 8;
  reply = Call(RequestBuilder(Opcode::kReaddir, 6).Struct(read).Build(), 6);
  EXPECT_EQ(reply.header.error, 0);
  EXPECT_TRUE(reply.payload.empty());
}

TEST_F(FakeKernelTest, OpcodesWithoutAHandlerAndUnknownOnesGetEnosys) {
  StartChannel();
  // Known opcode, default dispatcher method.
  EXPECT_EQ(
      Call(RequestBuilder(Opcode::kMkdir, 2).Struct(fuse_mkdir_in{0755, 0}).Name("d").Build(), 2)
          .header.error,
      -ENOSYS);
  // Opcodes the channel does not know at all; twice each (logged once).
  for (uint64_t unique : {4, 6}) {
    EXPECT_EQ(Call(RequestBuilder(static_cast<Opcode>(999), unique).Build(), unique).header.error,
              -ENOSYS);
  }
  EXPECT_EQ(Call(RequestBuilder(Opcode::kBmap, 8).Struct(fuse_bmap_in{}).Build(), 8).header.error,
            -ENOSYS);
  // The channel still serves.
  EXPECT_EQ(Call(RequestBuilder(Opcode::kStatfs, 10).Build(), 10).header.error, 0);
}

TEST_F(FakeKernelTest, MalformedRequestsAreAnsweredAndDoNotStopTheChannel) {
  StartChannel();
  EXPECT_EQ(Call(RequestBuilder(Opcode::kLookup, 2).Text("no-nul").Build(), 2).header.error,
            -EINVAL);
  EXPECT_EQ(
      Call(RequestBuilder(Opcode::kLookup, 4).Name("x").LengthDelta(3).Build(), 4).header.error,
      -EIO);
  EXPECT_EQ(Call(RequestBuilder(Opcode::kGetattr, 6).Build(), 6).header.error, -EINVAL);
  // Too short to have a unique: nothing to answer.
  kernel_.Send(std::vector<std::byte>(10));
  EXPECT_TRUE(kernel_.Silent());
  // A malformed FORGET gets no answer either.
  kernel_.Send(RequestBuilder(Opcode::kForget, 8).Build());
  EXPECT_TRUE(kernel_.Silent());
  EXPECT_EQ(Call(RequestBuilder(Opcode::kStatfs, 10).Build(), 10).header.error, 0);
}

TEST_F(FakeKernelTest, ForgetHasNoReply) {
  StartChannel();
  kernel_.Send(
      RequestBuilder(Opcode::kForget, 2, testing::kHelloIno).Struct(fuse_forget_in{1}).Build());
  EXPECT_TRUE(kernel_.Silent());
  EXPECT_EQ(dispatcher_.forgets.load(), 1);
}

TEST_F(FakeKernelTest, InterruptRunsTheCancelHook) {
  StartChannel();
  kernel_.Send(RequestBuilder(Opcode::kSetlkw, 10).Struct(fuse_lk_in{}).Build());
  ASSERT_NE(dispatcher_.WaitPended(10), nullptr);
  EXPECT_TRUE(kernel_.Silent());
  kernel_.Send(RequestBuilder(Opcode::kInterrupt, 11).Struct(fuse_interrupt_in{10}).Build());
  ReplyMessage reply;
  ASSERT_TRUE(kernel_.ReceiveFor(10, &reply));
  EXPECT_EQ(reply.header.error, -EINTR);
  EXPECT_EQ(ScriptedDispatcher::cancels.load(), 1);
  EXPECT_TRUE(kernel_.Silent());  // nothing is sent for the INTERRUPT itself
  EXPECT_EQ(channel_->InFlightCount(), 0u);
}

TEST_F(FakeKernelTest, InterruptBeforeItsRequestRunsTheHookWhenSet) {
  StartChannel();  // one worker: the INTERRUPT is read first, deterministically
  kernel_.Send(RequestBuilder(Opcode::kInterrupt, 21).Struct(fuse_interrupt_in{20}).Build());
  kernel_.Send(RequestBuilder(Opcode::kSetlkw, 20).Struct(fuse_lk_in{}).Build());
  ReplyMessage reply;
  ASSERT_TRUE(kernel_.ReceiveFor(20, &reply));
  EXPECT_EQ(reply.header.error, -EINTR);
  EXPECT_EQ(ScriptedDispatcher::cancels.load(), 1);
}

TEST_F(FakeKernelTest, InterruptOfAnAnsweredRequestIsBouncedWithEagain) {
  StartChannel();
  kernel_.Send(RequestBuilder(Opcode::kInterrupt, 31).Struct(fuse_interrupt_in{30}).Build());
  EXPECT_TRUE(kernel_.Silent());
  EXPECT_EQ(Call(RequestBuilder(Opcode::kStatfs, 32).Build(), 32).header.error, 0);
  ReplyMessage bounce;
  ASSERT_TRUE(kernel_.ReceiveFor(31, &bounce));
  EXPECT_EQ(bounce.header.error, -EAGAIN);
}

TEST_F(FakeKernelTest, RepliesCompleteOutOfOrderFromOtherThreads) {
  StartChannel();
  kernel_.Send(RequestBuilder(Opcode::kSetlkw, 40).Struct(fuse_lk_in{}).Build());
  kernel_.Send(RequestBuilder(Opcode::kSetlkw, 42).Struct(fuse_lk_in{}).Build());
  auto first = dispatcher_.WaitPended(40);
  auto second = dispatcher_.WaitPended(42);
  ASSERT_TRUE(first && second);
  std::thread([&] { second->reply.Empty(); }).join();
  ReplyMessage reply;
  ASSERT_TRUE(kernel_.Receive(&reply));
  EXPECT_EQ(reply.header.unique, 42u);
  std::thread([&] { first->reply.Error(EDEADLK); }).join();
  ASSERT_TRUE(kernel_.Receive(&reply));
  EXPECT_EQ(reply.header.unique, 40u);
  EXPECT_EQ(reply.header.error, -EDEADLK);
  // Too late: completed requests ignore interrupts.
  kernel_.Send(RequestBuilder(Opcode::kInterrupt, 41).Struct(fuse_interrupt_in{40}).Build());
  EXPECT_EQ(Call(RequestBuilder(Opcode::kStatfs, 44).Build(), 44).header.error, 0);
  EXPECT_EQ(ScriptedDispatcher::cancels.load(), 0);
}

TEST_F(FakeKernelTest, DroppedReplyAnswersEio) {
  StartChannel();
  kernel_.Send(RequestBuilder(Opcode::kSetlkw, 50).Struct(fuse_lk_in{}).Build());
  auto pended = dispatcher_.WaitPended(50);
  ASSERT_TRUE(pended);
  { Reply dropped = std::move(pended->reply); }
  ReplyMessage reply;
  ASSERT_TRUE(kernel_.ReceiveFor(50, &reply));
  EXPECT_EQ(reply.header.error, -EIO);
}

TEST_F(FakeKernelTest, PinnedInputSurvivesLaterRequests) {
  StartChannel();
  fuse_write_in in{};
  in.size = 11;
  kernel_.Send(RequestBuilder(Opcode::kWrite, 60).Struct(in).Text("pinned data").Build());
  auto pended = dispatcher_.WaitPended(60);
  ASSERT_TRUE(pended);
  // The worker reads more requests meanwhile; they must not land on the pinned buffer.
  for (uint64_t unique = 62; unique < 72; unique += 2) {
    ASSERT_EQ(
        Call(RequestBuilder(Opcode::kLookup, unique).Name("overwrite-me-please").Build(), unique)
            .header.error,
        -ENOENT);
  }
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(pended->input.data()), pended->input.size()),
            "pinned data");
  pended->reply.Write(11);
  ReplyMessage reply;
  ASSERT_TRUE(kernel_.ReceiveFor(60, &reply));
  EXPECT_EQ(reply.As<fuse_write_out>().size, 11u);
}

TEST_F(FakeKernelTest, ManyWorkersManyRequests) {
  ChannelOptions options;
  options.threads = 4;
  StartChannel(options);
  EXPECT_EQ(channel_->WorkerCount(), 4u);
  constexpr int kRequests = 200;
  for (int i = 0; i < kRequests; ++i) {
    kernel_.Send(RequestBuilder(Opcode::kGetattr, 100 + 2 * i).Struct(fuse_getattr_in{}).Build());
  }
  std::set<uint64_t> seen;
  for (int i = 0; i < kRequests; ++i) {
    ReplyMessage reply;
    ASSERT_TRUE(kernel_.Receive(&reply));
    EXPECT_EQ(reply.header.error, 0);
    seen.insert(reply.header.unique);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRequests));
  EXPECT_EQ(channel_->RequestCount(Opcode::kGetattr), static_cast<uint64_t>(kRequests));
}

// threads = 0 is the default: one worker per CPU plus two, at least 4, so that requests
// blocked in a driver do not leave a small machine's queue unserved (channel.cpp).
TEST_F(FakeKernelTest, DefaultWorkersAreTwoMoreThanTheCpusAndAtLeastFour) {
  channel_ = std::make_unique<FuseChannel>(kernel_.transport(), dispatcher_, ChannelOptions{});
  kernel_.SendInit(FakeKernel::ModernInit());
  ASSERT_EQ(channel_->Start(), NtStatus::Success) << channel_->error();
  ASSERT_TRUE(kernel_.ReceiveFor(1, &initReply_));
  EXPECT_EQ(channel_->WorkerCount(),
            std::max(size_t{4}, size_t{std::thread::hardware_concurrency()} + 2));
  kernel_.Send(RequestBuilder(Opcode::kGetattr, 100).Struct(fuse_getattr_in{}).Build());
  ReplyMessage reply;
  ASSERT_TRUE(kernel_.Receive(&reply));
  EXPECT_EQ(reply.header.unique, 100u);
}

TEST_F(FakeKernelTest, InvalidationsAreSentAsNotifications) {
  StartChannel();
  channel_->invalidator().InvalidateEntry(kRootId, "hello");
  channel_->invalidator().InvalidateInode(testing::kHelloIno, 0, 0);
  channel_->invalidator().Flush();
  ReplyMessage entry, inode;
  ASSERT_TRUE(kernel_.Receive(&entry));
  EXPECT_EQ(entry.header.unique, 0u);
  EXPECT_EQ(entry.header.error, static_cast<int32_t>(NotifyCode::kInvalEntry));
  ASSERT_EQ(entry.payload.size(), sizeof(fuse_notify_inval_entry_out) + 6);
  auto out = entry.As<fuse_notify_inval_entry_out>();
  EXPECT_EQ(out.parent, kRootId);
  EXPECT_EQ(out.namelen, 5u);
  EXPECT_EQ(std::memcmp(entry.payload.data() + sizeof out, "hello", 6), 0);
  ASSERT_TRUE(kernel_.Receive(&inode));
  EXPECT_EQ(inode.header.error, static_cast<int32_t>(NotifyCode::kInvalInode));
  EXPECT_EQ(inode.As<fuse_notify_inval_inode_out>().ino, testing::kHelloIno);
}

// Unmount order: the workers stop, the dispatcher is torn down (answering what it still
// holds), and only then does the channel go. The channel waits for those answers and
// does not write them anywhere.
TEST_F(FakeKernelTest, ChannelOutlivesRepliesHeldByTheDispatcher) {
  StartChannel();
  kernel_.Send(RequestBuilder(Opcode::kSetlkw, 70).Struct(fuse_lk_in{}).Build());
  auto pended = dispatcher_.WaitPended(70);
  ASSERT_TRUE(pended);
  kernel_.Close();
  channel_->Wait();
  channel_->DetachReplies();
  EXPECT_EQ(channel_->InFlightCount(), 1u);
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pended->reply.Error(EINTR);
  });
  channel_.reset();  // waits for the late completion
  late.join();
  EXPECT_FALSE(pended->reply.Pending());
}

TEST_F(FakeKernelTest, ClosingTheSessionStopsTheWorkers) {
  ChannelOptions options;
  options.threads = 3;
  StartChannel(options);
  EXPECT_FALSE(channel_->Stopped());
  kernel_.Close();
  channel_->Wait();
  EXPECT_TRUE(channel_->Stopped());
}

}  // namespace
}  // namespace irpfs::fuse
