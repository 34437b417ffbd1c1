// Streaming commands: events flow until the client leaves, the producer is stopped when it
// does, a slow client loses events (counted) instead of growing the server's memory.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "control/control_client.h"
#include "control/control_server.h"
#include "control_test_util.h"

namespace irpfs::control {
namespace {

using testing::RawConnection;
using testing::TempDir;
using testing::WaitUntil;

// Sends {"n": 0, 1, 2, ...} from its own thread until the sink refuses.
class Producer {
 public:
  explicit Producer(std::shared_ptr<StreamSink> sink)
      : thread_([this, sink] {
          for (int n = 0; !stop_.load(); ++n) {
            if (!sink->Send(Json{{"n", n}})) {
              sawClosed_.store(true);
              break;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
          }
        }) {}
  ~Producer() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  bool sawClosed() const { return sawClosed_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> sawClosed_{false};
  std::thread thread_;
};

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    socketPath_ = dir_.path() + "/s.sock";
    server_ = std::make_unique<ControlServer>(
        ControlServerOptions{.socketPath = socketPath_, .maxStreamQueueBytes = 4096});
    server_->RegisterStream("ticks", [this](const Json&, std::shared_ptr<StreamSink> sink) {
      auto producer = std::make_shared<Producer>(sink);
      {
        std::lock_guard lock(mutex_);
        producers_.push_back(producer);
      }
      return StreamStart::Accept([this, producer] {
        producer->Stop();
        stops_.fetch_add(1);
      });
    });
    std::string error;
    ASSERT_EQ(server_->Start(&error), NtStatus::Success) << error;
  }

  std::unique_ptr<ControlClient> Connect() {
    std::string error;
    auto client = ControlClient::Connect(socketPath_, &error);
    EXPECT_NE(client, nullptr) << error;
    return client;
  }

  TempDir dir_;
  std::string socketPath_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Producer>> producers_;
  std::atomic<int> stops_{0};
  std::unique_ptr<ControlServer> server_;
};

TEST_F(StreamTest, EventsArriveInOrderUntilTheClientStops) {
  auto client = Connect();
  std::vector<int> seen;
  std::string error;
  NtStatus status = client->Stream(
      {{"cmd", "ticks"}},
      [&](const Json& event) {
        seen.push_back(event.at("n").get<int>());
        return seen.size() < 5;
      },
      &error);
  EXPECT_EQ(status, NtStatus::Success) << error;
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
  // The client's leaving ends the stream on the server: stop runs once, nothing stays open.
  EXPECT_TRUE(WaitUntil([&] { return stops_.load() == 1; }));
  EXPECT_TRUE(WaitUntil([&] { return server_->counters().openStreams == 0; }));
}

TEST_F(StreamTest, ClientDisconnectingMidStreamIsCleanedUp) {
  RawConnection raw(socketPath_);
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("{\"cmd\":\"ticks\",\"id\":\"t1\"}\n"));
  EXPECT_EQ(Json::parse(raw.ReadLine()), (Json{{"ok", true}, {"stream", "start"}, {"id", "t1"}}));
  EXPECT_EQ(Json::parse(raw.ReadLine()), (Json{{"n", 0}}));
  EXPECT_EQ(server_->counters().openStreams, 1u);
  raw.Close();
  EXPECT_TRUE(WaitUntil([&] { return stops_.load() == 1; }));
  EXPECT_EQ(server_->counters().openStreams, 0u);
  // The server still serves others afterwards.
  std::vector<int> seen;
  std::string error;
  Connect()->Stream(
      {{"cmd", "ticks"}},
      [&](const Json& event) {
        seen.push_back(event.at("n").get<int>());
        return false;
      },
      &error);
  EXPECT_EQ(seen, (std::vector<int>{0}));
}

TEST_F(StreamTest, ProducerSeesTheClosedSinkWithoutStop) {
  // A producer that ignores stop still learns the client left: Send returns false.
  std::shared_ptr<StreamSink> kept;
  server_->RegisterStream("keep", [&](const Json&, std::shared_ptr<StreamSink> sink) {
    kept = sink;
    return StreamStart::Accept();
  });
  {
    RawConnection raw(socketPath_);
    ASSERT_TRUE(raw.Send("{\"cmd\":\"keep\"}\n"));
    EXPECT_EQ(Json::parse(raw.ReadLine())["stream"], "start");
  }
  ASSERT_TRUE(WaitUntil([&] { return server_->counters().openStreams == 0; }));
  ASSERT_NE(kept, nullptr);
  EXPECT_TRUE(kept->closed());
  EXPECT_FALSE(kept->Send(Json{{"late", true}}));
}

TEST_F(StreamTest, RefusedStreamGivesTheHandlersError) {
  server_->RegisterStream("trace", [](const Json&, std::shared_ptr<StreamSink>) {
    return StreamStart::Refuse("no trace filter on this mount");
  });
  std::string error;
  bool called = false;
  NtStatus status = Connect()->Stream(
      {{"cmd", "trace"}},
      [&](const Json&) {
        called = true;
        return true;
      },
      &error);
  EXPECT_EQ(status, NtStatus::Unsuccessful);
  EXPECT_EQ(error, "no trace filter on this mount");
  EXPECT_FALSE(called);
}

TEST_F(StreamTest, ProducerCanEndTheStream) {
  server_->RegisterStream("three", [](const Json& request, std::shared_ptr<StreamSink> sink) {
    for (int i = 0; i < 3; ++i) sink->SendText("{\"i\":\n" + std::to_string(i) + "}");
    sink->End(request.value("fail", false) ? "filter detached" : "");
    return StreamStart::Accept();
  });
  std::vector<Json> events;
  std::string error;
  auto collect = [&](const Json& event) {
    events.push_back(event);
    return true;
  };
  EXPECT_EQ(Connect()->Stream({{"cmd", "three"}}, collect, &error), NtStatus::Success) << error;
  EXPECT_EQ(events, (std::vector<Json>{{{"i", 0}}, {{"i", 1}}, {{"i", 2}}}));
  events.clear();
  EXPECT_EQ(Connect()->Stream({{"cmd", "three"}, {"fail", true}}, collect, &error),
            NtStatus::Unsuccessful);
  EXPECT_EQ(error, "filter detached");
  EXPECT_EQ(events.size(), 3u);
}

TEST_F(StreamTest, SlowClientLosesEventsAndIsToldHowMany) {
  std::shared_ptr<StreamSink> kept;
  server_->RegisterStream("burst", [&](const Json&, std::shared_ptr<StreamSink> sink) {
    // All at once, before the server has written anything: the 4 KiB queue overflows.
    for (int i = 0; i < 10000; ++i) sink->Send(Json{{"i", i}});
    sink->End();
    kept = sink;
    return StreamStart::Accept();
  });
  std::vector<Json> events;
  std::string error;
  ASSERT_EQ(Connect()->Stream(
                {{"cmd", "burst"}},
                [&](const Json& event) {
                  events.push_back(event);
                  return true;
                },
                &error),
            NtStatus::Success)
      << error;
  ASSERT_GE(events.size(), 2u);
  const Json& notice = events.back();
  EXPECT_EQ(notice["stream"], "dropped");
  uint64_t delivered = events.size() - 1;
  EXPECT_EQ(notice["count"].get<uint64_t>(), 10000 - delivered);
  EXPECT_EQ(kept->dropped(), 10000 - delivered);
  for (uint64_t i = 0; i < delivered; ++i) EXPECT_EQ(events[i], (Json{{"i", i}}));
  EXPECT_LT(delivered * 8, 4096u);  // bounded by the queue
}

TEST_F(StreamTest, StoppingTheServerEndsOpenStreams) {
  auto client = Connect();
  std::atomic<int> seen{0};
  std::string error;
  NtStatus status = NtStatus::Success;
  std::thread reader([&] {
    status = client->Stream(
        {{"cmd", "ticks"}},
        [&](const Json&) {
          ++seen;
          return true;
        },
        &error);
  });
  ASSERT_TRUE(WaitUntil([&] { return seen.load() > 0; }));
  server_->Stop();
  reader.join();
  EXPECT_EQ(status, NtStatus::DeviceNotConnected);
  EXPECT_EQ(stops_.load(), 1);
  std::lock_guard lock(mutex_);
  ASSERT_EQ(producers_.size(), 1u);
}

TEST_F(StreamTest, InterruptEndsAWaitingStream) {
  // The stream sends one event and then nothing: the client's interrupt must end a stream
  // that is running and idle, so the test waits until the client has seen that event
  // (an interrupt before the server's accept reaches the client is "interrupted").
  std::mutex sinkMutex;
  std::shared_ptr<StreamSink> quietSink;
  server_->RegisterStream("quiet", [&](const Json&, std::shared_ptr<StreamSink> sink) {
    std::lock_guard lock(sinkMutex);
    quietSink = std::move(sink);
    return StreamStart::Accept();
  });
  auto client = Connect();
  std::atomic<bool> sawEvent{false};
  std::string error = "unset";
  NtStatus status = NtStatus::Unsuccessful;
  std::thread reader([&] {
    status = client->Stream(
        {{"cmd", "quiet"}},
        [&](const Json&) {
          sawEvent = true;
          return true;
        },
        &error);
  });
  ASSERT_TRUE(WaitUntil([&] { return server_->counters().openStreams == 1; }));
  {
    std::lock_guard lock(sinkMutex);
    ASSERT_NE(quietSink, nullptr);
    EXPECT_TRUE(quietSink->Send(Json{{"ready", true}}));
  }
  EXPECT_TRUE(WaitUntil([&] { return sawEvent.load(); }));
  client->Interrupt();
  reader.join();
  EXPECT_EQ(status, NtStatus::Success);
  EXPECT_EQ(error, "");
  EXPECT_TRUE(WaitUntil([&] { return server_->counters().openStreams == 0; }));
}

}  // namespace
}  // namespace irpfs::control
