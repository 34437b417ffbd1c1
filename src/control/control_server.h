// The control channel of one mount: a unix stream socket speaking newline-delimited JSON
// (docs/control-protocol.md).
//
//   ControlServer server({.socketPath = path, .ownerUid = getuid()});
//   server.Register("devstack", [&](const Json& request) {
//     return CommandReply::Ok({{"devices", EncodeDeviceRows(rows)}});
//   });
//   server.RegisterStream("trace", [&](const Json& request, std::shared_ptr<StreamSink> sink) {
//     auto producer = StartProducer(sink);              // calls sink->Send(...) until false
//     return StreamStart::Accept([producer] { producer->Stop(); });
//   });
//   server.Start(&error);
//
// Who may connect: root and options.ownerUid only. The kernel's record of the peer
// (SO_PEERCRED) is checked on accept; anyone else gets one error line and the connection
// is closed. The socket file is created with mode 0600 (and handed to the owner when root
// serves another uid's mount), and its directory, when we create it, with 0700; the
// credential check holds whatever those modes become.
//
// Threads: one server thread runs a poll loop over the listening socket, the connections
// and an eventfd (for Stop and for stream events). Command handlers and stream stop
// functions run on that thread, one at a time, so a handler should not block for long;
// it may take locks of the mount. Stream events are queued by any thread through the
// StreamSink. Register may be called at any time.
//
// Limits: a request line is at most options.maxRequestBytes (an oversize one is answered
// with an error and skipped); a connection is not read further while its unsent replies
// exceed 256 KiB; a stream's queue holds options.maxStreamQueueBytes before events drop.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "control/json.h"
#include "control/stream_sink.h"
#include "core/status.h"

namespace irpfs::control {

struct ControlServerOptions {
  std::string socketPath;
  uid_t ownerUid = geteuid();
  size_t maxRequestBytes = 64 * 1024;
  size_t maxStreamQueueBytes = 1024 * 1024;
  size_t maxConnections = 64;
};

// A command's answer: {"ok":true, <members>...} or {"ok":false,"error":...}.
struct CommandReply {
  static CommandReply Ok(Json members = Json::object());
  static CommandReply Fail(std::string error);

  bool ok = true;
  Json members = Json::object();  // merged into the response; a non-object goes in "result"
  std::string error;
};
using CommandHandler = std::function<CommandReply(const Json& request)>;

// A stream handler's answer: accepted (with the function the server calls, once, when the
// stream ends: client gone or server stopping) or refused with an error response.
struct StreamStart {
  static StreamStart Accept(std::function<void()> stop = {});
  static StreamStart Refuse(std::string error);

  bool accepted = true;
  std::function<void()> stop;
  std::string error;
};
using StreamHandler =
    std::function<StreamStart(const Json& request, std::shared_ptr<StreamSink> sink)>;

class ControlServer {
 public:
  explicit ControlServer(ControlServerOptions options);
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();

  // A later registration of the same name replaces the earlier one.
  void Register(std::string command, CommandHandler handler);
  void RegisterStream(std::string command, StreamHandler handler);

  // Creates the socket and starts serving. Fails with STATUS_OBJECT_NAME_COLLISION when a
  // live server (or another kind of file) holds the path; a stale socket is replaced.
  NtStatus Start(std::string* error);
  // Ends every connection (calling the stop functions of open streams), stops the thread
  // and removes the socket file. Idempotent; the destructor calls it.
  void Stop();

  const std::string& socketPath() const { return options_.socketPath; }

  struct Counters {
    uint64_t accepted = 0;  // connections let in
    uint64_t refused = 0;   // connections turned away by the credential check
    uint64_t openStreams = 0;
  };
  Counters counters() const;

 private:
  struct Connection;

  void Run();
  void AcceptAll();
  void ReadFrom(Connection& connection);
  void Pump(Connection& connection);
  void HandleLine(Connection& connection, const std::string& line);
  void StartStream(Connection& connection, const std::string& command, const Json& request,
                   StreamHandler handler);
  void FlushOutbound(Connection& connection);
  void CloseConnection(Connection& connection);
  Json BuiltinCommands() const;

  ControlServerOptions options_;
  int listenFd_ = -1;
  int wakeFd_ = -1;
  dev_t socketDevice_ = 0;
  ino_t socketInode_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex handlersMutex_;
  std::map<std::string, CommandHandler> commands_;
  std::map<std::string, StreamHandler> streams_;

  // Server thread only.
  std::vector<std::unique_ptr<Connection>> connections_;
  bool acceptPaused_ = false;

  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> openStreams_{0};
};

}  // namespace irpfs::control
