// The host descriptors that hold one node's POSIX record locks: one open file description
// per lock owner, on which the mirror takes open-file-description locks (F_OFD_SETLK).
//
// Why one per owner: an OFD lock belongs to its open file description, and POSIX says one
// owner's locks never conflict with each other, even when taken through two opens. So all
// locks of a lock owner (a FUSE lock_owner, or an NT file object) go to the same host
// descriptor, and locks of different owners to different ones: the host kernel then
// conflicts, merges, splits and releases them exactly as for local processes, and host
// processes see them (and their locks are seen).
//
// Lifetime: a descriptor is made at the owner's first lock and dropped when the owner
// releases everything (FLUSH at close(2), an unlock of the whole file) or when the node
// goes. Users hold a shared_ptr for the length of one host call, so a descriptor number
// is never used after its close; Drop also unlocks explicitly, so the locks go at once
// even while a user still holds the descriptor.
//
// Threads: any; mutex_ is a leaf (no host call runs under it except close via the last
// shared_ptr, which never blocks on locks).
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace irpfs::mirror {

// Owns one host descriptor.
class HostFd {
 public:
  explicit HostFd(int fd) : fd_(fd) {}
  ~HostFd() {
    if (fd_ >= 0) close(fd_);
  }
  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class LockOwners {
 public:
  // The owner's descriptor, or null when it has none.
  std::shared_ptr<HostFd> Find(uint64_t owner);
  // Makes `fd` the owner's descriptor unless another thread was first; returns the one in
  // use (a loser's `fd` is closed).
  std::shared_ptr<HostFd> Adopt(uint64_t owner, int fd);
  // Records the pid of the owner's latest lock (what F_GETLK reports for it).
  void SetPid(uint64_t owner, pid_t pid);
  // Unlocks everything the owner holds and forgets its descriptor.
  void Drop(uint64_t owner);
  // Forgets the owner's descriptor if it is `fd` and never held a lock (a first attempt
  // that was refused).
  void DropIfUnused(uint64_t owner, const std::shared_ptr<HostFd>& fd);

  struct Holder {
    uint64_t owner;
    pid_t pid;
    std::shared_ptr<HostFd> fd;
  };
  // Every owner but `except`, for finding who holds a conflicting lock.
  std::vector<Holder> Others(uint64_t except);
  size_t Count();

 private:
  struct Entry {
    uint64_t owner;
    pid_t pid;
    bool held;  // a lock was granted at least once
    std::shared_ptr<HostFd> fd;
  };
  std::mutex mutex_;
  std::vector<Entry> entries_;    // few owners per file: a vector beats a map
  std::atomic<size_t> count_{0};  // entries_.size(), changed under mutex_
};

}  // namespace irpfs::mirror
