#include "transport/fuse/dispatcher_backing.h"

#include <cstring>

#include "transport/fuse/log.h"
#include "transport/fuse/transport.h"

namespace irpfs::fuse {

void BackingFiles::Enable(FuseTransport* transport) {
  std::lock_guard lock(mutex_);
  transport_.store(transport, std::memory_order_relaxed);
  counters_.enabled = transport != nullptr;
}

BackingChoice BackingFiles::Choose(NodeEntry node, int fd) {
  std::lock_guard lock(mutex_);
  FuseTransport* transport = transport_.load(std::memory_order_relaxed);
  if (transport == nullptr) return {};
  NodeState& state = nodes_[Key{node.id.value, node.generation}];
  if (state.backingId == 0 && fd >= 0 && state.cachedOpens == 0) {
    int id = transport->OpenBacking(fd);
    if (id > 0) {
      state.backingId = id;
      ++counters_.liveBackingIds;
    } else if (counters_.registerFailures++ == 0) {
      FuseLog(LogLevel::kWarning, "passthrough: registering a backing file failed (%s)",
              std::strerror(-id));
    }
  }
  if (state.backingId > 0) {
    ++state.passthroughOpens;
    ++counters_.livePassthroughOpens;
    ++counters_.passthroughOpens;
    if (fd < 0) ++counters_.inheritedOpens;
    return {OpenIo::kPassthrough, state.backingId};
  }
  ++state.cachedOpens;
  ++counters_.serverOpens;
  return {OpenIo::kCached, 0};
}

void BackingFiles::Release(NodeEntry node, OpenIo io) {
  if (io == OpenIo::kNone) return;
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(Key{node.id.value, node.generation});
  if (it == nodes_.end()) return;
  NodeState& state = it->second;
  if (io == OpenIo::kCached && state.cachedOpens > 0) --state.cachedOpens;
  if (io == OpenIo::kPassthrough && state.passthroughOpens > 0) {
    --state.passthroughOpens;
    --counters_.livePassthroughOpens;
    if (state.passthroughOpens == 0 && state.backingId > 0) {
      if (FuseTransport* transport = transport_.load(std::memory_order_relaxed)) {
        transport->CloseBacking(state.backingId);
      }
      state.backingId = 0;
      --counters_.liveBackingIds;
    }
  }
  if (state.passthroughOpens == 0 && state.cachedOpens == 0) nodes_.erase(it);
}

void BackingFiles::CloseAll() {
  std::lock_guard lock(mutex_);
  FuseTransport* transport = transport_.load(std::memory_order_relaxed);
  for (auto& [key, state] : nodes_) {
    if (state.backingId > 0 && transport != nullptr) transport->CloseBacking(state.backingId);
  }
  nodes_.clear();
  counters_.liveBackingIds = 0;
  counters_.livePassthroughOpens = 0;
}

BackingCounters BackingFiles::Counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace irpfs::fuse
