#include "control/control_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "control/line_splitter.h"
#include "control/peer_credentials.h"
#include "control/runtime_dir.h"

namespace irpfs::control {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
// Stop reading requests while this much of the replies is unsent: a client that writes
// without reading cannot make the server buffer without bound.
constexpr size_t kOutboundHighWater = 256 * 1024;
// Take more stream events only once the socket has swallowed most of the last batch, so
// a slow reader's backlog stays in the sink, where it is bounded and counted.
constexpr size_t kStreamLowWater = 64 * 1024;
constexpr int kListenBacklog = 16;

std::string DumpLine(const Json& json) {
  std::string line = json.dump(-1, ' ', false, Json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

std::string ErrorLine(std::string_view error, const Json* id = nullptr) {
  Json response{{"ok", false}, {"error", error}};
  if (id != nullptr) response["id"] = *id;
  return DumpLine(response);
}

bool FillSocketAddress(const std::string& path, sockaddr_un* address) {
  if (path.empty() || path.size() >= sizeof(address->sun_path)) return false;
  std::memset(address, 0, sizeof(*address));
  address->sun_family = AF_UNIX;
  std::memcpy(address->sun_path, path.c_str(), path.size() + 1);
  return true;
}

std::string ParentDirectory(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A socket file left by a server that died can be replaced; one that still answers, or a
// file of another kind, cannot.
NtStatus ClearStaleSocket(const std::string& path, const sockaddr_un& address, std::string* error) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return NtStatus::Success;
  if (!S_ISSOCK(st.st_mode)) {
    *error = path + " exists and is not a socket";
    return NtStatus::ObjectNameCollision;
  }
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) {
    int err = errno;
    *error = std::string("socket: ") + std::strerror(err);
    return ErrnoToStatus(err);
  }
  int rc = connect(probe, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  int err = errno;
  close(probe);
  if (rc == 0) {
    *error = path + " is served by a running process";
    return NtStatus::ObjectNameCollision;
  }
  if (err != ECONNREFUSED) {
    *error = "cannot probe " + path + ": " + std::strerror(err);
    return ErrnoToStatus(err);
  }
  unlink(path.c_str());
  return NtStatus::Success;
}

}  // namespace

struct ControlServer::Connection {
  explicit Connection(int fd, size_t maxRequestBytes) : fd(fd), splitter(maxRequestBytes) {}

  int fd;
  PeerCredentials peer;
  LineSplitter splitter;
  std::string outbound;
  size_t outboundOffset = 0;         // bytes of outbound already written
  bool closing = false;              // close once outbound is written
  bool peerClosed = false;           // the client sent EOF: answer what it sent, then close
  bool dead = false;                 // to be removed from connections_
  std::shared_ptr<StreamSink> sink;  // set once the connection carries a stream
  std::function<void()> stopStream;

  size_t unsent() const { return outbound.size() - outboundOffset; }
};

CommandReply CommandReply::Ok(Json members) {
  CommandReply reply;
  reply.members = std::move(members);
  return reply;
}

CommandReply CommandReply::Fail(std::string error) {
  CommandReply reply;
  reply.ok = false;
  reply.error = std::move(error);
  return reply;
}

StreamStart StreamStart::Accept(std::function<void()> stop) {
  StreamStart start;
  start.stop = std::move(stop);
  return start;
}

StreamStart StreamStart::Refuse(std::string error) {
  StreamStart start;
  start.accepted = false;
  start.error = std::move(error);
  return start;
}

ControlServer::ControlServer(ControlServerOptions options) : options_(std::move(options)) {}

ControlServer::~ControlServer() {
  Stop();
}

void ControlServer::Register(std::string command, CommandHandler handler) {
  std::lock_guard lock(handlersMutex_);
  commands_[std::move(command)] = std::move(handler);
}

void ControlServer::RegisterStream(std::string command, StreamHandler handler) {
  std::lock_guard lock(handlersMutex_);
  streams_[std::move(command)] = std::move(handler);
}

ControlServer::Counters ControlServer::counters() const {
  return {accepted_.load(), refused_.load(), openStreams_.load()};
}

NtStatus ControlServer::Start(std::string* error) {
  if (listenFd_ >= 0) {
    *error = "the control server is already running";
    return NtStatus::InvalidDeviceState;
  }
  const std::string& path = options_.socketPath;
  sockaddr_un address;
  if (!FillSocketAddress(path, &address)) {
    *error = "bad control socket path (empty or longer than " +
             std::to_string(sizeof(address.sun_path) - 1) + " bytes): " + path;
    return NtStatus::ObjectNameInvalid;
  }
  std::string parent = ParentDirectory(path);
  if (access(parent.c_str(), F_OK) != 0) {
    if (NtStatus s = EnsurePrivateDirectory(parent, error); !NtSuccess(s)) return s;
  }
  if (NtStatus s = ClearStaleSocket(path, address, error); !NtSuccess(s)) return s;

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    int err = errno;
    *error = std::string("socket: ") + std::strerror(err);
    return ErrnoToStatus(err);
  }
  auto fail = [&](const std::string& what) {
    int err = errno;
    *error = what + " " + path + ": " + std::strerror(err);
    close(fd);
    return ErrnoToStatus(err);
  };
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return fail("cannot bind");
  }
  // Mode and owner are set before listen(): until then a connect is refused, so nobody
  // slips in through a wider mode the umask gave the file.
  if (chmod(path.c_str(), 0600) != 0) {
    unlink(path.c_str());
    return fail("cannot chmod");
  }
  if (geteuid() == 0 && options_.ownerUid != 0 && chown(path.c_str(), options_.ownerUid, -1) != 0) {
    unlink(path.c_str());
    return fail("cannot chown");
  }
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || listen(fd, kListenBacklog) != 0) {
    unlink(path.c_str());
    return fail("cannot listen on");
  }
  int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    unlink(path.c_str());
    return fail("eventfd for");
  }
  listenFd_ = fd;
  wakeFd_ = wake;
  socketDevice_ = st.st_dev;
  socketInode_ = st.st_ino;
  stopping_.store(false);
  thread_ = std::thread([this] { Run(); });
  return NtStatus::Success;
}

void ControlServer::Stop() {
  if (listenFd_ < 0) return;
  stopping_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wakeFd_, &one, sizeof(one));
  thread_.join();
  // Remove the socket only if it is still ours (a new server may have replaced a file we
  // thought stale... or someone moved ours away).
  struct stat st {};
  if (stat(options_.socketPath.c_str(), &st) == 0 && st.st_dev == socketDevice_ &&
      st.st_ino == socketInode_) {
    unlink(options_.socketPath.c_str());
  }
  close(listenFd_);
  close(wakeFd_);
  listenFd_ = -1;
  wakeFd_ = -1;
}

void ControlServer::Run() {
  std::vector<pollfd> fds;
  while (!stopping_.load()) {
    for (auto& connection : connections_) Pump(*connection);
    std::erase_if(connections_, [](const std::unique_ptr<Connection>& c) { return c->dead; });

    fds.clear();
    fds.push_back({wakeFd_, POLLIN, 0});
    bool roomForMore = connections_.size() < options_.maxConnections;
    // Out of file descriptors the listening socket stays readable: poll it again only
    // after a pause, or the loop would spin.
    bool acceptNow = roomForMore && !acceptPaused_;
    fds.push_back({acceptNow ? listenFd_ : -1, POLLIN, 0});
    for (auto& connection : connections_) {
      short events = 0;
      // A stream's connection is read only to notice the client leaving.
      bool wantRequests = !connection->closing && !connection->peerClosed &&
                          !connection->splitter.HasPending() &&
                          connection->unsent() < kOutboundHighWater;
      if (connection->sink || wantRequests) events |= POLLIN;
      if (connection->unsent() > 0) events |= POLLOUT;
      fds.push_back({connection->fd, events, 0});
    }
    int timeoutMs = acceptPaused_ ? 100 : -1;
    acceptPaused_ = false;
    if (poll(fds.data(), fds.size(), timeoutMs) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & POLLIN) {
      uint64_t count;
      [[maybe_unused]] ssize_t n = read(wakeFd_, &count, sizeof(count));
    }
    if (stopping_.load()) break;
    if (fds[1].revents & POLLIN) AcceptAll();
    // Connections accepted just now have no pollfd yet: only the first ones polled.
    for (size_t i = 2; i < fds.size(); ++i) {
      Connection& connection = *connections_[i - 2];
      short revents = fds[i].revents;
      if (revents & POLLNVAL) {
        CloseConnection(connection);
        continue;
      }
      if (revents & (POLLIN | POLLHUP | POLLERR)) ReadFrom(connection);
      if (!connection.dead && (revents & POLLOUT)) FlushOutbound(connection);
    }
  }
  for (auto& connection : connections_) {
    if (!connection->dead) CloseConnection(*connection);
  }
  connections_.clear();
}

void ControlServer::AcceptAll() {
  for (;;) {
    int fd = accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      acceptPaused_ = errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
      return;  // else EAGAIN, or an aborted connection: nothing more to take now
    }
    auto connection = std::make_unique<Connection>(fd, options_.maxRequestBytes);
    if (!ReadPeerCredentials(fd, &connection->peer) ||
        !PeerMayControl(connection->peer, options_.ownerUid)) {
      refused_.fetch_add(1);
      std::string line =
          ErrorLine("permission denied: uid " + std::to_string(connection->peer.uid) +
                    " may not control this mount (only root and uid " +
                    std::to_string(options_.ownerUid) + ")");
      // A fresh socket's buffer takes one short line; the connection ends either way.
      [[maybe_unused]] ssize_t n = send(fd, line.data(), line.size(), MSG_NOSIGNAL);
      close(fd);
      continue;
    }
    accepted_.fetch_add(1);
    connections_.push_back(std::move(connection));
    if (connections_.size() >= options_.maxConnections) return;
  }
}

void ControlServer::ReadFrom(Connection& connection) {
  char buffer[kReadChunk];
  ssize_t n;
  do {
    n = read(connection.fd, buffer, sizeof(buffer));
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n == 0 && !connection.sink) {
    // A client may send its requests and shut its side down (socat, nc -N) before the
    // answers come: they are still owed.
    connection.peerClosed = true;
    return;
  }
  if (n <= 0) {
    CloseConnection(connection);
    return;
  }
  // Bytes sent on a stream's connection have no meaning; they are dropped.
  if (!connection.sink) connection.splitter.Append(std::string_view(buffer, n));
}

void ControlServer::Pump(Connection& connection) {
  if (connection.dead) return;
  std::string line;
  while (!connection.sink && !connection.closing && connection.unsent() < kOutboundHighWater) {
    LineSplitter::Result result = connection.splitter.Next(&line);
    if (result == LineSplitter::Result::kNone) break;
    if (result == LineSplitter::Result::kTooLong) {
      connection.outbound += ErrorLine("request too long (limit " +
                                       std::to_string(options_.maxRequestBytes) + " bytes)");
      continue;
    }
    HandleLine(connection, line);
  }
  if (connection.peerClosed && !connection.splitter.HasPending()) connection.closing = true;
  if (connection.sink && !connection.closing && connection.unsent() < kStreamLowWater) {
    bool ended = false;
    connection.sink->TakeQueued(&connection.outbound, &ended);
    if (ended) connection.closing = true;
  }
  FlushOutbound(connection);
}

void ControlServer::HandleLine(Connection& connection, const std::string& line) {
  Json request = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) {
    connection.outbound += ErrorLine("malformed JSON request");
    return;
  }
  const Json* id = nullptr;
  if (request.is_object() && request.contains("id")) id = &request["id"];
  if (!request.is_object() || !request.contains("cmd") || !request["cmd"].is_string()) {
    connection.outbound += ErrorLine("a request is a JSON object with a string \"cmd\"", id);
    return;
  }
  std::string command = request["cmd"].get<std::string>();

  CommandHandler handler;
  StreamHandler streamHandler;
  {
    std::lock_guard lock(handlersMutex_);
    if (auto it = commands_.find(command); it != commands_.end()) handler = it->second;
    if (auto it = streams_.find(command); it != streams_.end()) streamHandler = it->second;
  }
  if (streamHandler && !handler) {
    StartStream(connection, command, request, std::move(streamHandler));
    return;
  }
  CommandReply reply;
  if (handler) {
    // Handlers are the owner's code: an exception must not take the server thread down.
    try {
      reply = handler(request);
    } catch (const std::exception& e) {
      reply = CommandReply::Fail("command " + command + " failed: " + e.what());
    }
  } else if (command == "commands") {
    reply = CommandReply::Ok(BuiltinCommands());
  } else {
    reply = CommandReply::Fail("unknown command: " + command);
  }
  if (!reply.ok) {
    connection.outbound += ErrorLine(reply.error, id);
    return;
  }
  Json response{{"ok", true}};
  if (id != nullptr) response["id"] = *id;
  if (reply.members.is_object()) {
    for (auto& [key, value] : reply.members.items()) {
      if (key != "ok" && key != "id") response[key] = value;
    }
  } else if (!reply.members.is_null()) {
    response["result"] = reply.members;
  }
  connection.outbound += DumpLine(response);
}

void ControlServer::StartStream(Connection& connection, const std::string& command,
                                const Json& request, StreamHandler handler) {
  const Json* id = request.contains("id") ? &request.at("id") : nullptr;
  auto sink = std::make_shared<StreamSink>(wakeFd_, options_.maxStreamQueueBytes);
  StreamStart start;
  try {
    start = handler(request, sink);
  } catch (const std::exception& e) {
    start = StreamStart::Refuse("command " + command + " failed: " + e.what());
  }
  if (!start.accepted) {
    // Whatever the handler queued before refusing is not sent.
    sink->Close();
    connection.outbound += ErrorLine(start.error, id);
    return;
  }
  Json header{{"ok", true}, {"stream", "start"}};
  if (id != nullptr) header["id"] = *id;
  connection.outbound += DumpLine(header);
  connection.sink = std::move(sink);
  connection.stopStream = std::move(start.stop);
  openStreams_.fetch_add(1);
}

void ControlServer::FlushOutbound(Connection& connection) {
  while (connection.unsent() > 0) {
    ssize_t n = send(connection.fd, connection.outbound.data() + connection.outboundOffset,
                     connection.unsent(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      CloseConnection(connection);
      return;
    }
    connection.outboundOffset += static_cast<size_t>(n);
  }
  if (connection.unsent() == 0) {
    connection.outbound.clear();
    connection.outboundOffset = 0;
    if (connection.closing) CloseConnection(connection);
  } else if (connection.outboundOffset > kOutboundHighWater) {
    connection.outbound.erase(0, connection.outboundOffset);
    connection.outboundOffset = 0;
  }
}

void ControlServer::CloseConnection(Connection& connection) {
  if (connection.dead) return;
  connection.dead = true;
  if (connection.sink) {
    // Closed first, so the producer's next Send fails even before stop runs.
    connection.sink->Close();
    if (connection.stopStream) {
      try {
        connection.stopStream();
      } catch (const std::exception&) {
        // The stream is over either way; the owner's error has no one to go to.
      }
    }
    connection.sink.reset();
    connection.stopStream = nullptr;
    openStreams_.fetch_sub(1);
  }
  close(connection.fd);
  connection.fd = -1;
}

Json ControlServer::BuiltinCommands() const {
  Json commands = Json::array({"commands"});
  Json streams = Json::array();
  std::lock_guard lock(handlersMutex_);
  for (const auto& [name, handler] : commands_) {
    if (name != "commands") commands.push_back(name);
  }
  for (const auto& [name, handler] : streams_) streams.push_back(name);
  return Json{{"protocol", 1}, {"commands", commands}, {"streams", streams}};
}

}  // namespace irpfs::control
