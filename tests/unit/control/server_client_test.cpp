// Request/response over a real socket: round trips, errors that leave the connection
// usable, limits, the socket file, and shutting down.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <stdexcept>
#include <thread>

#include "control/control_client.h"
#include "control/control_server.h"
#include "control_test_util.h"

namespace irpfs::control {
namespace {

using testing::RawConnection;
using testing::TempDir;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    socketPath_ = dir_.path() + "/mount.sock";
    server_ = std::make_unique<ControlServer>(
        ControlServerOptions{.socketPath = socketPath_, .maxRequestBytes = 1024});
    server_->Register("echo", [](const Json& request) {
      return CommandReply::Ok({{"echo", request.value("value", Json())}});
    });
    server_->Register("fail", [](const Json&) { return CommandReply::Fail("it failed"); });
    server_->Register("throw",
                      [](const Json&) -> CommandReply { throw std::runtime_error("boom"); });
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
  std::unique_ptr<ControlServer> server_;
};

TEST_F(ServerTest, RequestResponseRoundTrip) {
  auto client = Connect();
  Json response = client->Call({{"cmd", "echo"}, {"value", {{"a", 1}, {"b", "two"}}}});
  EXPECT_EQ(response, (Json{{"ok", true}, {"echo", {{"a", 1}, {"b", "two"}}}}));
  // A second request on the same connection, with an id echoed back.
  response = client->Call({{"cmd", "echo"}, {"value", 7}, {"id", 42}});
  EXPECT_EQ(response, (Json{{"ok", true}, {"echo", 7}, {"id", 42}}));
}

TEST_F(ServerTest, UnknownCommandIsAnError) {
  auto client = Connect();
  Json response = client->Call({{"cmd", "nope"}});
  EXPECT_EQ(response["ok"], false);
  EXPECT_EQ(response["error"], "unknown command: nope");
}

TEST_F(ServerTest, HandlerFailureAndExceptionBecomeErrors) {
  auto client = Connect();
  EXPECT_EQ(client->Call({{"cmd", "fail"}}), (Json{{"ok", false}, {"error", "it failed"}}));
  Json thrown = client->Call({{"cmd", "throw"}});
  EXPECT_EQ(thrown["ok"], false);
  EXPECT_EQ(thrown["error"], "command throw failed: boom");
  EXPECT_EQ(client->Call({{"cmd", "echo"}, {"value", 1}})["ok"], true);
}

TEST_F(ServerTest, MalformedJsonKeepsTheConnectionUsable) {
  RawConnection raw(socketPath_);
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("{\"cmd\": \"echo\", oops\n"));
  Json first = Json::parse(raw.ReadLine());
  EXPECT_EQ(first, (Json{{"ok", false}, {"error", "malformed JSON request"}}));
  ASSERT_TRUE(raw.Send("[1, 2]\n"));
  Json second = Json::parse(raw.ReadLine());
  EXPECT_EQ(second["ok"], false);
  EXPECT_NE(second["error"].get<std::string>().find("\"cmd\""), std::string::npos);
  ASSERT_TRUE(raw.Send("{\"cmd\":\"echo\",\"value\":\"still here\"}\n"));
  EXPECT_EQ(Json::parse(raw.ReadLine()), (Json{{"ok", true}, {"echo", "still here"}}));
}

TEST_F(ServerTest, OversizeRequestIsRefusedAndSkipped) {
  RawConnection raw(socketPath_);
  ASSERT_TRUE(raw.connected());
  std::string huge = "{\"cmd\":\"echo\",\"value\":\"" + std::string(5000, 'x') + "\"}\n";
  ASSERT_TRUE(raw.Send(huge + "{\"cmd\":\"echo\",\"value\":2}\n"));
  Json refused = Json::parse(raw.ReadLine());
  EXPECT_EQ(refused["ok"], false);
  EXPECT_EQ(refused["error"], "request too long (limit 1024 bytes)");
  EXPECT_EQ(Json::parse(raw.ReadLine()), (Json{{"ok", true}, {"echo", 2}}));
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConnection raw(socketPath_);
  ASSERT_TRUE(raw.connected());
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += Json{{"cmd", "echo"}, {"value", i}}.dump() + "\n";
  ASSERT_TRUE(raw.Send(batch));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(Json::parse(raw.ReadLine()), (Json{{"ok", true}, {"echo", i}}));
  }
}

TEST_F(ServerTest, ClientThatShutsDownWritingStillGetsItsAnswers) {
  RawConnection raw(socketPath_);
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("{\"cmd\":\"echo\",\"value\":1}\n{\"cmd\":\"echo\",\"value\":2}\n"));
  shutdown(raw.fd(), SHUT_WR);
  EXPECT_EQ(Json::parse(raw.ReadLine()), (Json{{"ok", true}, {"echo", 1}}));
  EXPECT_EQ(Json::parse(raw.ReadLine()), (Json{{"ok", true}, {"echo", 2}}));
  bool eof = false;
  EXPECT_EQ(raw.ReadLine(&eof), "");
  EXPECT_TRUE(eof);
}

TEST_F(ServerTest, BuiltinCommandsListsWhatIsRegistered) {
  server_->RegisterStream(
      "trace", [](const Json&, std::shared_ptr<StreamSink>) { return StreamStart::Accept(); });
  Json response = Connect()->Call({{"cmd", "commands"}});
  EXPECT_EQ(response["ok"], true);
  EXPECT_EQ(response["protocol"], 1);
  EXPECT_EQ(response["commands"], (Json{"commands", "echo", "fail", "throw"}));
  EXPECT_EQ(response["streams"], (Json{"trace"}));
}

TEST_F(ServerTest, ManyClientsAtOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string error;
      auto client = ControlClient::Connect(socketPath_, &error);
      if (!client) return;
      for (int i = 0; i < 50; ++i) {
        if (client->Call({{"cmd", "echo"}, {"value", t * 1000 + i}}) ==
            Json{{"ok", true}, {"echo", t * 1000 + i}}) {
          ++good;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good.load(), 200);
  EXPECT_EQ(server_->counters().accepted, 4u);
}

TEST_F(ServerTest, StopEndsConnectionsAndRemovesTheSocket) {
  auto client = Connect();
  ASSERT_EQ(client->Call({{"cmd", "echo"}})["ok"], true);
  server_->Stop();
  struct stat st {};
  EXPECT_NE(stat(socketPath_.c_str(), &st), 0);
  Json after = client->Call({{"cmd", "echo"}});
  EXPECT_EQ(after["ok"], false);
  std::string error;
  EXPECT_EQ(ControlClient::Connect(socketPath_, &error), nullptr);
  server_.reset();  // a second Stop from the destructor is harmless
}

TEST(ServerLimitsTest, ConnectionsBeyondTheCapWaitForAFreeSlot) {
  TempDir dir;
  ControlServer server({.socketPath = dir.path() + "/m.sock", .maxConnections = 2});
  server.Register("ping", [](const Json&) { return CommandReply::Ok({{"pong", true}}); });
  std::string error;
  ASSERT_EQ(server.Start(&error), NtStatus::Success) << error;
  auto first = ControlClient::Connect(server.socketPath(), &error);
  auto second = ControlClient::Connect(server.socketPath(), &error);
  ASSERT_EQ(first->Call({{"cmd", "ping"}})["ok"], true);
  ASSERT_EQ(second->Call({{"cmd", "ping"}})["ok"], true);
  // The third connects (the kernel's backlog) but is not served while two are open.
  auto third = ControlClient::Connect(server.socketPath(), &error);
  ASSERT_NE(third, nullptr) << error;
  std::atomic<bool> answered{false};
  std::thread caller([&] {
    if (third->Call({{"cmd", "ping"}})["ok"] == true) answered = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(answered.load());
  first.reset();
  EXPECT_TRUE(testing::WaitUntil([&] { return answered.load(); }));
  caller.join();
  EXPECT_EQ(server.counters().accepted, 3u);
}

TEST(ServerSocketTest, CreatesAPrivateDirectoryAndSocket) {
  TempDir dir;
  std::string nested = dir.path() + "/run/irpfs";
  ControlServer server({.socketPath = nested + "/m.sock"});
  std::string error;
  ASSERT_EQ(server.Start(&error), NtStatus::Success) << error;
  struct stat st {};
  ASSERT_EQ(stat(nested.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(stat(server.socketPath().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST(ServerSocketTest, ReplacesAStaleSocketButNotALiveOne) {
  TempDir dir;
  std::string path = dir.path() + "/m.sock";
  {
    // A socket file nobody listens on, as a killed server leaves behind.
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    close(fd);
  }
  ControlServer first({.socketPath = path});
  std::string error;
  ASSERT_EQ(first.Start(&error), NtStatus::Success) << error;

  ControlServer second({.socketPath = path});
  EXPECT_EQ(second.Start(&error), NtStatus::ObjectNameCollision);
  EXPECT_NE(error.find("running process"), std::string::npos) << error;
  // The loser did not take the live socket away.
  std::string connectError;
  EXPECT_NE(ControlClient::Connect(path, &connectError), nullptr) << connectError;
}

TEST(ServerSocketTest, RefusesAPathThatIsNotASocket) {
  TempDir dir;
  std::string path = dir.path() + "/file";
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  ControlServer server({.socketPath = path});
  std::string error;
  EXPECT_EQ(server.Start(&error), NtStatus::ObjectNameCollision);
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0);  // left alone
}

}  // namespace
}  // namespace irpfs::control
