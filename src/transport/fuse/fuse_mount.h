// FuseMount: one mounted FUSE file system: the mount, its transport and its channel,
// serving a FuseDispatcher.
//
// Mount() returns once the kernel's INIT has been answered and the workers run, i.e.
// when the mount is live. Unmount() (also run by the destructor) unmounts, waits for the
// workers to see the end of the session and, if open files keep a lazily detached mount
// alive past `drainTimeout`, aborts the connection so the workers can stop.
//
// Threads: Mount, Unmount and Wait from one controlling thread. The dispatcher must
// outlive the FuseMount.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"
#include "transport/fuse/channel.h"
#include "transport/fuse/dispatcher.h"
#include "transport/fuse/mount.h"
#include "transport/fuse/transport.h"

namespace irpfs::fuse {

struct FuseMountOptions {
  MountOptions mount;
  ChannelOptions channel;
  std::chrono::milliseconds drainTimeout{2000};
  // With channel.useUring: if the fuse module's enable_uring is off and writable (root),
  // turn it on before mounting (uring_support.h). Otherwise the channel falls back to
  // /dev/fuse workers when the kernel does not offer io_uring.
  bool enableKernelUring = false;
};

class FuseMount {
 public:
  FuseMount() = default;
  FuseMount(const FuseMount&) = delete;
  FuseMount& operator=(const FuseMount&) = delete;
  ~FuseMount();

  // Mounts and serves `dispatcher`. On failure nothing is left mounted and *error says
  // why in one line.
  NtStatus Mount(const FuseMountOptions& options, FuseDispatcher& dispatcher, std::string* error);
  // Unmounts (if still mounted) and stops the workers. Safe to call twice. The channel
  // and its fds live on until the destructor, so a dispatcher destroyed after Unmount may
  // still complete the Replies it holds (they are no longer written).
  void Unmount();
  // Blocks until the session ends (someone unmounted it).
  void Wait();
  // True after the session ended (all workers stopped).
  bool Ended() const { return channel_ == nullptr || channel_->Stopped(); }

  bool mounted() const { return channel_ != nullptr && !stopped_; }
  const std::string& mountpoint() const { return options_.mount.mountpoint; }
  long connectionId() const { return connectionId_; }
  FuseChannel* channel() { return channel_.get(); }
  FuseTransport* transport() { return transport_.get(); }

 private:
  FuseMountOptions options_;
  bool viaFusermount_ = false;
  bool unmounted_ = false;
  bool stopped_ = false;  // Unmount finished: workers joined, replies detached
  long connectionId_ = -1;
  std::unique_ptr<DevFuseTransport> transport_;
  std::unique_ptr<FuseChannel> channel_;
};

}  // namespace irpfs::fuse
