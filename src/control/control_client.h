// The client end of a mount's control socket (docs/control-protocol.md).
//
//   std::string error;
//   auto client = ControlClient::Connect(record.socketPath, &error);
//   if (!client) ...;
//   Json response = client->Call({{"cmd", "devstack"}});
//   if (!response.value("ok", false)) ... response["error"] ...;
//   client->Stream({{"cmd", "trace"}}, [](const Json& event) { ...; return true; }, &error);
//
// One request at a time per client (not thread-safe), except Interrupt, which any thread
// or a signal handler may call to end a blocking Call or Stream.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "control/json.h"
#include "control/line_splitter.h"
#include "core/status.h"

namespace irpfs::control {

class ControlClient {
 public:
  // nullptr with *error when the socket cannot be reached.
  static std::unique_ptr<ControlClient> Connect(const std::string& socketPath, std::string* error);
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;
  ~ControlClient();

  // Sends `request` and returns the server's response. A failure of the connection
  // itself is returned in the same shape: {"ok":false,"error":"..."}.
  Json Call(const Json& request);

  // Sends a stream request and calls onEvent for each event (a dropped notice,
  // {"stream":"dropped","count":N}, included) until onEvent returns false, the server ends
  // the stream, the connection drops or Interrupt is called; the connection is closed
  // afterwards. Success when the stream ran and ended normally (onEvent returned false,
  // Interrupt, or the server's end without an error); otherwise *error says why (the
  // server refused the request, or the connection broke).
  using EventCallback = std::function<bool(const Json& event)>;
  NtStatus Stream(const Json& request, const EventCallback& onEvent, std::string* error);

  // Ends a blocking Call or Stream from another thread or a signal handler
  // (async-signal-safe: shutdown(2) of the socket).
  void Interrupt();

 private:
  explicit ControlClient(int fd);

  bool SendLine(const Json& request, std::string* error);
  // The next response line parsed; false with *error at EOF or on an error.
  bool ReadMessage(Json* message, std::string* error);

  int fd_;
  LineSplitter splitter_;
  std::atomic<bool> interrupted_{false};  // lock-free: safe to set in a signal handler
};

}  // namespace irpfs::control
