// The control socket lets in root and the uid that mounted, no one else, by the peer's
// kernel credentials. Needs root: children switch to uid 65533 (the "owner") and 65534
// (nobody) before they connect.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "control/control_client.h"
#include "control/control_server.h"
#include "control_test_util.h"

namespace irpfs::control {
namespace {

using testing::TempDir;

constexpr uid_t kOwner = 65533;
constexpr uid_t kStranger = 65534;

struct ChildResult {
  int connectErrno = 0;  // 0: connected
  std::string received;  // everything the server sent until EOF
};

// Forks a child that becomes `uid` (groups dropped), connects, sends one request and
// reads until EOF. The child uses system calls only (it is forked from a threaded
// process) and reports through a pipe.
ChildResult ConnectAs(uid_t uid, const std::string& socketPath) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socketPath.c_str(), sizeof(address.sun_path) - 1);
  static const char kRequest[] = "{\"cmd\":\"echo\",\"value\":\"hi\"}\n";
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return {-1, ""};
  pid_t child = fork();
  if (child == 0) {
    close(report[0]);
    int err = 0;
    if (setgroups(0, nullptr) != 0 || setresgid(uid, uid, uid) != 0 ||
        setresuid(uid, uid, uid) != 0) {
      err = 1000 + errno;
    }
    int fd = -1;
    if (err == 0) {
      fd = socket(AF_UNIX, SOCK_STREAM, 0);
      if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) err = errno;
    }
    [[maybe_unused]] ssize_t w = write(report[1], &err, sizeof(err));
    if (err == 0) {
      w = send(fd, kRequest, sizeof(kRequest) - 1, MSG_NOSIGNAL);
      // Shut our side so a server that answered closes too, and the loop below ends.
      shutdown(fd, SHUT_WR);
      char buffer[4096];
      ssize_t n;
      while ((n = read(fd, buffer, sizeof(buffer))) > 0) w = write(report[1], buffer, n);
    }
    _exit(0);
  }
  close(report[1]);
  ChildResult result;
  if (read(report[0], &result.connectErrno, sizeof(result.connectErrno)) !=
      sizeof(result.connectErrno)) {
    result.connectErrno = -1;
  }
  char buffer[4096];
  ssize_t n;
  while ((n = read(report[0], buffer, sizeof(buffer))) > 0) result.received.append(buffer, n);
  close(report[0]);
  int status = 0;
  waitpid(child, &status, 0);
  return result;
}

class PeerRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run children as other uids";
    // The children must reach the socket: the directory is open to all, the socket's own
    // mode is what each test chooses.
    ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
    socketPath_ = dir_.path() + "/m.sock";
    server_ = std::make_unique<ControlServer>(
        ControlServerOptions{.socketPath = socketPath_, .ownerUid = kOwner});
    server_->Register("echo", [](const Json& request) {
      return CommandReply::Ok({{"echo", request.value("value", Json())}});
    });
    std::string error;
    ASSERT_EQ(server_->Start(&error), NtStatus::Success) << error;
  }

  TempDir dir_;
  std::string socketPath_;
  std::unique_ptr<ControlServer> server_;
};

TEST_F(PeerRefusalTest, SocketBelongsToTheOwnerWithMode0600) {
  struct stat st {};
  ASSERT_EQ(stat(socketPath_.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kOwner);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(PeerRefusalTest, OwnerUidIsServed) {
  ChildResult result = ConnectAs(kOwner, socketPath_);
  ASSERT_EQ(result.connectErrno, 0) << std::strerror(result.connectErrno);
  EXPECT_EQ(result.received, "{\"echo\":\"hi\",\"ok\":true}\n");
  EXPECT_EQ(server_->counters().refused, 0u);
}

TEST_F(PeerRefusalTest, OtherUnprivilegedUidIsRefusedByItsCredentials) {
  // Open the socket file to everyone: what stops the stranger now is the SO_PEERCRED
  // check on accept, not the file mode.
  ASSERT_EQ(chmod(socketPath_.c_str(), 0666), 0);
  ChildResult result = ConnectAs(kStranger, socketPath_);
  ASSERT_EQ(result.connectErrno, 0) << std::strerror(result.connectErrno);
  // One error line, then the server closed the connection: the request got no answer.
  Json refusal = Json::parse(result.received, nullptr, false);
  ASSERT_FALSE(refusal.is_discarded()) << result.received;
  EXPECT_EQ(refusal["ok"], false);
  EXPECT_EQ(refusal["error"],
            "permission denied: uid 65534 may not control this mount (only root and uid 65533)");
  EXPECT_EQ(result.received.find("echo"), std::string::npos);
  EXPECT_EQ(server_->counters().refused, 1u);
  // And the owner is still served afterwards.
  EXPECT_EQ(ConnectAs(kOwner, socketPath_).received, "{\"echo\":\"hi\",\"ok\":true}\n");
}

TEST_F(PeerRefusalTest, FileModeAloneKeepsTheStrangerOut) {
  ChildResult result = ConnectAs(kStranger, socketPath_);
  EXPECT_EQ(result.connectErrno, EACCES);
  EXPECT_EQ(result.received, "");
}

TEST_F(PeerRefusalTest, RootIsServed) {
  std::string error;
  auto client = ControlClient::Connect(socketPath_, &error);
  ASSERT_NE(client, nullptr) << error;
  EXPECT_EQ(client->Call({{"cmd", "echo"}, {"value", 3}}), (Json{{"ok", true}, {"echo", 3}}));
}

}  // namespace
}  // namespace irpfs::control
