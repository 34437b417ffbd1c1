// BackingFiles: the dispatcher's bookkeeping for FUSE passthrough (backing files).
//
// When INIT agreed FUSE_PASSTHROUGH, an OPEN or CREATE of a regular file asks the stack
// for the open's host descriptor (FileBackingDescriptorInformation). If the stack gives
// one, the dispatcher registers it with the kernel (FUSE_DEV_IOC_BACKING_OPEN) and
// answers the open with FOPEN_PASSTHROUGH and the backing id: the kernel then reads,
// writes and maps that open straight from the host file, and no READ or WRITE of it
// reaches the stack.
//
// The kernel's rules for one inode (fs/fuse/iomode.c), and how this class keeps them:
// - All passthrough opens of an inode must use the same backing file, else the open
//   fails (EIO to the caller). So one backing id per node, registered at the node's first
//   passthrough open and reused while the node has passthrough opens; dropped
//   (FUSE_DEV_IOC_BACKING_CLOSE) when the last of them is released, or at DESTROY.
// - An inode with cached (page cache) opens refuses a passthrough open (EIO): a node that
//   has cached opens gets no passthrough open.
// - An inode with passthrough opens refuses every open that is not passthrough, direct
//   I/O included (EIO). So while a node has passthrough opens, every new open of it gets
//   the node's backing id, even when the stack refused the query (a filter attached since
//   the first open): the alternative is failing the open. Such opens count as inherited;
//   the node's I/O goes through the stack again once all its opens are closed.
// The counts here run ahead of the kernel's (a node counts its open from the reply on,
// and until the RELEASE arrives, which the kernel sends after it has let the file go), so
// they never allow what the kernel would refuse.
//
// Nodes are keyed by (nodeid, generation): a slot reused for another file while a
// RELEASE of the old one is in flight is another node.
//
// Threads: any thread; one leaf mutex, held across the two ioctls (short, no IRP).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "transport/fuse/node_table.h"

namespace irpfs::fuse {

class FuseTransport;

// How the kernel does the I/O of one open.
enum class OpenIo : uint8_t {
  kNone,         // not a regular file, or passthrough is off: no bookkeeping
  kCached,       // through the server, with the page cache
  kPassthrough,  // straight from the backing file
};

struct BackingChoice {
  OpenIo io = OpenIo::kNone;
  int32_t backingId = 0;  // kPassthrough only
};

struct BackingCounters {
  bool enabled = false;         // passthrough agreed and the transport can register
  uint64_t liveBackingIds = 0;  // registered now
  uint64_t livePassthroughOpens = 0;
  uint64_t passthroughOpens = 0;  // answered with FOPEN_PASSTHROUGH so far
  uint64_t inheritedOpens = 0;    // ... of which the stack refused (see above)
  uint64_t serverOpens = 0;       // regular-file opens served by the stack so far
  uint64_t registerFailures = 0;  // FUSE_DEV_IOC_BACKING_OPEN failed
};

class BackingFiles {
 public:
  BackingFiles() = default;
  BackingFiles(const BackingFiles&) = delete;
  BackingFiles& operator=(const BackingFiles&) = delete;

  // Turns passthrough on, registering backing files through `transport` (INIT, when
  // FUSE_PASSTHROUGH was agreed). Null turns it off.
  void Enable(FuseTransport* transport);
  bool enabled() const { return transport_.load(std::memory_order_relaxed) != nullptr; }

  // A regular-file open of `node` succeeded; `fd` is the descriptor the stack offered,
  // or -1 when it refused. Decides how the kernel does the open's I/O and counts it.
  BackingChoice Choose(NodeEntry node, int fd);
  // The kernel has released an open Choose counted as `io`.
  void Release(NodeEntry node, OpenIo io);
  // Drops every backing id (DESTROY: the kernel holds no open any more).
  void CloseAll();

  BackingCounters Counters() const;

 private:
  struct Key {
    uint64_t node = 0;
    uint64_t generation = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.node * 0x9E3779B97F4A7C15ull ^ k.generation; }
  };
  struct NodeState {
    int32_t backingId = 0;  // 0: none registered
    uint32_t passthroughOpens = 0;
    uint32_t cachedOpens = 0;
  };

  // Set once at INIT, before requests; atomic so that enabled() needs no lock.
  std::atomic<FuseTransport*> transport_{nullptr};
  mutable std::mutex mutex_;
  std::unordered_map<Key, NodeState, KeyHash> nodes_;
  BackingCounters counters_;
};

}  // namespace irpfs::fuse
