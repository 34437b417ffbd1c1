#include "fake_kernel.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace irpfs::fuse::testing {

SocketTransport::~SocketTransport() {
  for (int fd : dups_) close(fd);
  close(fd_);
}

int SocketTransport::OpenWorkerFd() {
  int fd = dup(fd_);
  if (fd < 0) return -errno;
  dups_.push_back(fd);
  return fd;
}

FakeKernel::FakeKernel() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::runtime_error("socketpair failed");
  }
  // Room for a few 1 MiB writes in flight.
  int size = 4 << 20;
  setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  kernelFd_ = fds[1];
  transport_ = std::make_unique<SocketTransport>(fds[0]);
}

FakeKernel::~FakeKernel() {
  Close();
}

void FakeKernel::Close() {
  if (kernelFd_ >= 0) {
    // shutdown wakes readers blocked on dups of the other end too.
    shutdown(kernelFd_, SHUT_RDWR);
    close(kernelFd_);
    kernelFd_ = -1;
  }
}

fuse_init_in FakeKernel::ModernInit() {
  fuse_init_in in{};
  in.major = kKernelVersion;
  in.minor = 45;
  in.max_readahead = 128 * 1024;
  uint64_t offered = ~uint64_t{0} & ~init_flag::kInitReserved;
  in.flags = static_cast<uint32_t>(offered);
  in.flags2 = static_cast<uint32_t>(offered >> 32) & 0x7FF;  // bits 32..42 exist
  return in;
}

void FakeKernel::SendInit(const fuse_init_in& in, uint64_t unique) {
  fuse_in_header header{};
  header.len = sizeof header + sizeof in;
  header.opcode = static_cast<uint32_t>(Opcode::kInit);
  header.unique = unique;
  std::vector<std::byte> message(header.len);
  std::memcpy(message.data(), &header, sizeof header);
  std::memcpy(message.data() + sizeof header, &in, sizeof in);
  Send(message);
}

void FakeKernel::Send(const std::vector<std::byte>& message) {
  ssize_t n = send(kernelFd_, message.data(), message.size(), MSG_NOSIGNAL);
  if (n != static_cast<ssize_t>(message.size())) throw std::runtime_error("send failed");
}

bool FakeKernel::ReadOne(ReplyMessage* out, Ms timeout) {
  pollfd p{kernelFd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  std::vector<std::byte> buffer(2 << 20);
  ssize_t n = recv(kernelFd_, buffer.data(), buffer.size(), 0);
  if (n < static_cast<ssize_t>(sizeof(fuse_out_header))) return false;
  std::memcpy(&out->header, buffer.data(), sizeof out->header);
  out->payload.assign(buffer.begin() + sizeof out->header, buffer.begin() + n);
  if (out->header.len != static_cast<uint32_t>(n)) throw std::runtime_error("reply len lies");
  return true;
}

bool FakeKernel::Receive(ReplyMessage* out, Ms timeout) {
  if (!pending_.empty()) {
    *out = std::move(pending_.front());
    pending_.pop_front();
    return true;
  }
  return ReadOne(out, timeout);
}

bool FakeKernel::ReceiveFor(uint64_t unique, ReplyMessage* out, Ms timeout) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->header.unique != unique) continue;
    *out = std::move(*it);
    pending_.erase(it);
    return true;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    ReplyMessage message;
    if (!ReadOne(&message, left)) return false;
    if (message.header.unique == unique) {
      *out = std::move(message);
      return true;
    }
    pending_.push_back(std::move(message));
  }
}

bool FakeKernel::Silent(Ms timeout) {
  if (!pending_.empty()) return false;
  ReplyMessage message;
  if (!ReadOne(&message, timeout)) return true;
  pending_.push_back(std::move(message));
  return false;
}

}  // namespace irpfs::fuse::testing
