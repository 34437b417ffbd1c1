#include "drivers/mirror/lock_owners.h"

#include <fcntl.h>

#include <algorithm>

namespace irpfs::mirror {

std::shared_ptr<HostFd> LockOwners::Find(uint64_t owner) {
  std::lock_guard lock(mutex_);
  for (const Entry& e : entries_) {
    if (e.owner == owner) return e.fd;
  }
  return nullptr;
}

std::shared_ptr<HostFd> LockOwners::Adopt(uint64_t owner, int fd) {
  auto fresh = std::make_shared<HostFd>(fd);
  std::lock_guard lock(mutex_);
  for (const Entry& e : entries_) {
    if (e.owner == owner) return e.fd;  // `fresh` closes with its last reference
  }
  entries_.push_back(Entry{owner, 0, false, fresh});
  count_.store(entries_.size(), std::memory_order_release);
  return fresh;
}

void LockOwners::SetPid(uint64_t owner, pid_t pid) {
  std::lock_guard lock(mutex_);
  for (Entry& e : entries_) {
    if (e.owner != owner) continue;
    e.pid = pid;
    e.held = true;
  }
}

void LockOwners::Drop(uint64_t owner) {
  // Every CLEANUP drops its owner, and most opens never locked: no mutex for them.
  if (count_.load(std::memory_order_acquire) == 0) return;
  std::shared_ptr<HostFd> fd;
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [owner](const Entry& e) { return e.owner == owner; });
    if (it == entries_.end()) return;
    fd = std::move(it->fd);
    entries_.erase(it);
    count_.store(entries_.size(), std::memory_order_release);
  }
  // Closing alone would release the locks only when the last user lets go.
  struct flock all {};
  all.l_type = F_UNLCK;
  all.l_whence = SEEK_SET;
  fcntl(fd->get(), F_OFD_SETLK, &all);
}

void LockOwners::DropIfUnused(uint64_t owner, const std::shared_ptr<HostFd>& fd) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_,
                [&](const Entry& e) { return e.owner == owner && e.fd == fd && !e.held; });
  count_.store(entries_.size(), std::memory_order_release);
}

std::vector<LockOwners::Holder> LockOwners::Others(uint64_t except) {
  std::vector<Holder> out;
  std::lock_guard lock(mutex_);
  for (const Entry& e : entries_) {
    if (e.owner != except && e.held) out.push_back(Holder{e.owner, e.pid, e.fd});
  }
  return out;
}

size_t LockOwners::Count() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace irpfs::mirror
