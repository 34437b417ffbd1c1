// FakeKernel: plays the kernel's side of /dev/fuse over a SOCK_SEQPACKET socketpair, so
// the channel can be tested without mounting (after EdenFS's FakeFuse).
//
// The channel reads requests from, and writes replies to, its end through
// SocketTransport; every worker gets a dup of that end, and SEQPACKET hands each message
// to exactly one reader, as /dev/fuse does. The test thread drives the kernel's end.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "transport/fuse/fuse_abi.h"
#include "transport/fuse/transport.h"

namespace irpfs::fuse::testing {

class SocketTransport final : public FuseTransport {
 public:
  explicit SocketTransport(int fd) : fd_(fd) {}
  ~SocketTransport() override;
  int SessionFd() const override { return fd_; }
  int OpenWorkerFd() override;

 private:
  int fd_;
  std::vector<int> dups_;
};

struct ReplyMessage {
  fuse_out_header header{};
  std::vector<std::byte> payload;

  template <typename T>
  T As() const {
    T value{};
    std::memcpy(&value, payload.data(), std::min(sizeof value, payload.size()));
    return value;
  }
};

class FakeKernel {
 public:
  using Ms = std::chrono::milliseconds;

  FakeKernel();
  ~FakeKernel();
  FakeKernel(const FakeKernel&) = delete;
  FakeKernel& operator=(const FakeKernel&) = delete;

  FuseTransport& transport() { return *transport_; }

  // An INIT as Linux 6.18 would send it (7.45, every flag offered).
  static fuse_init_in ModernInit();
  void SendInit(const fuse_init_in& in, uint64_t unique = 1);

  void Send(const std::vector<std::byte>& message);
  // The next message from the channel (reply or notification), in arrival order.
  bool Receive(ReplyMessage* out, Ms timeout = Ms(5000));
  // The reply to `unique`, keeping other messages for later calls.
  bool ReceiveFor(uint64_t unique, ReplyMessage* out, Ms timeout = Ms(5000));
  // True when nothing (not even a buffered message) arrives within `timeout`.
  bool Silent(Ms timeout = Ms(100));
  // Closes the kernel's end: the channel's workers see end-of-file.
  void Close();

 private:
  bool ReadOne(ReplyMessage* out, Ms timeout);

  int kernelFd_ = -1;
  std::unique_ptr<SocketTransport> transport_;
  std::deque<ReplyMessage> pending_;
};

}  // namespace irpfs::fuse::testing
