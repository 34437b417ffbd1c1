#include "transport/fuse/fuse_mount.h"

#include <thread>

#include "transport/fuse/log.h"
#include "transport/fuse/uring_support.h"

namespace irpfs::fuse {

FuseMount::~FuseMount() {
  Unmount();
  // The channel waits for Replies the dispatcher still holds, then the fds close.
  channel_.reset();
  transport_.reset();
}

NtStatus FuseMount::Mount(const FuseMountOptions& options, FuseDispatcher& dispatcher,
                          std::string* error) {
  options_ = options;
  if (options.channel.useUring && options.enableKernelUring) {
    std::string why;
    if (!EnableKernelUring(&why)) {
      FuseLog(LogLevel::kWarning, "io_uring requested but not enabled: %s", why.c_str());
    }
  }
  MountedFuse mounted;
  if (!MountFuse(options.mount, &mounted, error)) return NtStatus::Unsuccessful;
  viaFusermount_ = mounted.viaFusermount;
  unmounted_ = false;
  stopped_ = false;
  transport_ = std::make_unique<DevFuseTransport>(mounted.fd);
  channel_ = std::make_unique<FuseChannel>(*transport_, dispatcher, options.channel);
  // One look at the mount table: the id serves the standby gate's probe of the kernel's
  // queue (fusectl) and, once the session runs, the abort check of Unmount.
  const long connectionId = FuseConnectionId(options.mount.mountpoint);
  if (connectionId >= 0) {
    channel_->SetQueueProbe("/sys/fs/fuse/connections/" + std::to_string(connectionId) +
                            "/waiting");
  }
  NtStatus status = channel_->Start();
  if (!NtSuccess(status)) {
    *error = channel_->error();
    std::string ignored;
    UnmountFuse(options.mount.mountpoint, viaFusermount_, &ignored);
    // No worker was started; the channel and the fd can go.
    channel_.reset();
    transport_.reset();
    unmounted_ = true;
    return status;
  }
  connectionId_ = connectionId;
  return NtStatus::Success;
}

void FuseMount::Unmount() {
  if (channel_ == nullptr || stopped_) return;
  // A session that ended by an abort (fusectl, a dying connection) leaves its mount point
  // in the table, answering ENOTCONN to everyone: take that away too. One that ended by an
  // unmount left nothing there, and the id check spares whatever was mounted there since.
  bool abortedButMounted = channel_->Stopped() && connectionId_ >= 0 &&
                           FuseConnectionId(options_.mount.mountpoint) == connectionId_;
  if (!unmounted_ && (!channel_->Stopped() || abortedButMounted)) {
    std::string error;
    if (!UnmountFuse(options_.mount.mountpoint, viaFusermount_, &error)) {
      FuseLog(LogLevel::kError, "%s", error.c_str());
    }
  }
  unmounted_ = true;
  auto deadline = std::chrono::steady_clock::now() + options_.drainTimeout;
  while (!channel_->Stopped() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!channel_->Stopped()) {
    FuseLog(LogLevel::kWarning, "mount %s still busy after unmount; aborting connection %ld",
            options_.mount.mountpoint.c_str(), connectionId_);
    AbortFuseConnection(connectionId_);
  }
  channel_->Wait();
  channel_->DetachReplies();
  stopped_ = true;
}

void FuseMount::Wait() {
  if (channel_ != nullptr) channel_->Wait();
}

}  // namespace irpfs::fuse
