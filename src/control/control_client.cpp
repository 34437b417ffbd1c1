#include "control/control_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace irpfs::control {
namespace {

// Responses are a mount's whole device tree at most; far beyond that is a broken server.
constexpr size_t kMaxResponseBytes = 64 * 1024 * 1024;

Json FailureResponse(std::string error) {
  return Json{{"ok", false}, {"error", error}};
}

}  // namespace

ControlClient::ControlClient(int fd) : fd_(fd), splitter_(kMaxResponseBytes) {}

ControlClient::~ControlClient() {
  close(fd_);
}

std::unique_ptr<ControlClient> ControlClient::Connect(const std::string& socketPath,
                                                      std::string* error) {
  sockaddr_un address{};
  if (socketPath.empty() || socketPath.size() >= sizeof(address.sun_path)) {
    *error = "bad control socket path: " + socketPath;
    return nullptr;
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socketPath.c_str(), socketPath.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return nullptr;
  }
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    *error = "cannot connect to " + socketPath + ": " + std::strerror(errno);
    close(fd);
    return nullptr;
  }
  return std::unique_ptr<ControlClient>(new ControlClient(fd));
}

void ControlClient::Interrupt() {
  interrupted_.store(true);
  shutdown(fd_, SHUT_RDWR);
}

bool ControlClient::SendLine(const Json& request, std::string* error) {
  std::string line = request.dump(-1, ' ', false, Json::error_handler_t::replace);
  line.push_back('\n');
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = send(fd_, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = std::string("cannot send the request: ") + std::strerror(errno);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool ControlClient::ReadMessage(Json* message, std::string* error) {
  std::string line;
  for (;;) {
    switch (splitter_.Next(&line)) {
      case LineSplitter::Result::kLine:
        *message = Json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (message->is_discarded()) {
          *error = "the server sent malformed JSON";
          return false;
        }
        return true;
      case LineSplitter::Result::kTooLong:
        *error = "the server sent a line over " + std::to_string(kMaxResponseBytes) + " bytes";
        return false;
      case LineSplitter::Result::kNone:
        break;
    }
    char buffer[16 * 1024];
    ssize_t n = read(fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR && !interrupted_) continue;
    if (n <= 0) {
      if (interrupted_) {
        *error = "interrupted";
      } else {
        *error = n == 0 ? "the server closed the connection"
                        : std::string("cannot read the response: ") + std::strerror(errno);
      }
      return false;
    }
    splitter_.Append(std::string_view(buffer, static_cast<size_t>(n)));
  }
}

Json ControlClient::Call(const Json& request) {
  std::string error;
  if (!SendLine(request, &error)) return FailureResponse(error);
  Json response;
  if (!ReadMessage(&response, &error)) return FailureResponse(error);
  if (!response.is_object() || !response.contains("ok") || !response["ok"].is_boolean()) {
    return FailureResponse("the server sent a response without \"ok\"");
  }
  return response;
}

NtStatus ControlClient::Stream(const Json& request, const EventCallback& onEvent,
                               std::string* error) {
  Json header = Call(request);
  if (!header["ok"].get<bool>()) {
    *error = StringMember(header, "error", "stream refused");
    return interrupted_ ? NtStatus::Cancelled : NtStatus::Unsuccessful;
  }
  if (StringMember(header, "stream") != "start") {
    *error = "the server answered with a response, not a stream";
    return NtStatus::InvalidDeviceRequest;
  }
  NtStatus status = NtStatus::Success;
  for (;;) {
    Json event;
    if (!ReadMessage(&event, error)) {
      if (interrupted_) {
        error->clear();
      } else {
        status = NtStatus::DeviceNotConnected;
      }
      break;
    }
    if (StringMember(event, "stream") == "end") {
      if (event.contains("error")) {
        *error = StringMember(event, "error", "the stream ended with an error");
        status = NtStatus::Unsuccessful;
      }
      break;
    }
    if (!onEvent(event)) break;
  }
  shutdown(fd_, SHUT_RDWR);
  return status;
}

}  // namespace irpfs::control
