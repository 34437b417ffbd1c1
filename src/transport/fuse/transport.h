// FuseTransport: where FUSE bytes come from and go to. It knows nothing of requests.
//
// The channel reads whole requests with read(2) and writes whole replies with writev(2)
// on the fds a transport hands out; /dev/fuse and SOCK_SEQPACKET sockets (the fake
// kernel of the tests) both keep message boundaries, so one interface serves both.
// (FUSE-over-io_uring does not go through a transport: see uring_queue.h.)
#pragma once

#include <cerrno>
#include <vector>

namespace irpfs::fuse {

class FuseTransport {
 public:
  virtual ~FuseTransport() = default;
  // The fd the session was mounted with: INIT and notifications go through it.
  virtual int SessionFd() const = 0;
  // Another fd on the same session, for one more worker, owned by the transport; or
  // -errno. A reply may be written on any fd of the session.
  virtual int OpenWorkerFd() = 0;
  // Passthrough (FUSE_PASSTHROUGH agreed at INIT): registers `fd` as a backing file and
  // returns its backing id (> 0) for fuse_open_out.backing_id, or -errno. The kernel
  // keeps its own reference to the file; the caller may close `fd` afterwards.
  virtual int OpenBacking(int fd) { return -EOPNOTSUPP; }
  // Drops a backing id once no open uses it any more. 0 or -errno.
  virtual int CloseBacking(int backingId) { return -EOPNOTSUPP; }
  // Whether this process may register backing files at all (the kernel wants
  // CAP_SYS_ADMIN); "" when it may, else why not, in a few words.
  virtual const char* WhyNoBacking() const { return ""; }
  // Whether a worker may put its fd in O_NONBLOCK mode while it polls for requests
  // (spin_poller.h). Only where writing a reply never waits: on a socket, a reply
  // written by another thread meanwhile could fail with EAGAIN.
  virtual bool MayPollWorkerFds() const { return false; }
};

// /dev/fuse: worker fds are clones (FUSE_DEV_IOC_CLONE), each with its own queue of
// read waiters in the kernel, so workers do not contend on one wait queue.
class DevFuseTransport final : public FuseTransport {
 public:
  // Takes ownership of `sessionFd` (an open, mounted /dev/fuse fd).
  explicit DevFuseTransport(int sessionFd) : sessionFd_(sessionFd) {}
  DevFuseTransport(const DevFuseTransport&) = delete;
  DevFuseTransport& operator=(const DevFuseTransport&) = delete;
  ~DevFuseTransport() override;

  int SessionFd() const override { return sessionFd_; }
  int OpenWorkerFd() override;
  int OpenBacking(int fd) override;
  int CloseBacking(int backingId) override;
  const char* WhyNoBacking() const override;
  // A /dev/fuse write delivers the reply or fails; it never waits.
  bool MayPollWorkerFds() const override { return true; }

 private:
  int sessionFd_;
  std::vector<int> clones_;
};

}  // namespace irpfs::fuse
