// Runs a request with its caller's file system identity (fsuid, fsgid, supplementary
// groups) on the dispatching thread, so the host creates files owned by the caller and
// enforces its permissions.
//
// Linux keeps credentials per thread; the raw setfsuid/setfsgid/setgroups system calls
// change only the calling thread (glibc's setgroups() would change every thread, so it is
// never used). Switching happens only when the server runs as root: an unprivileged
// server cannot take another identity, and then every file belongs to the server's user
// (the FUSE mount's default_permissions does the checking).
//
// Supplementary groups come from /proc/<pid>/status ("Groups:"), cached per pid for a
// second. A request without a pid (in-process callers that fill in only uid/gid) runs
// with no supplementary groups.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/irp.h"

namespace irpfs::mirror {

class GroupCache {
 public:
  // The groups of `pid` into *groups (reused storage: no allocation once warm).
  void Get(pid_t pid, uid_t uid, std::vector<gid_t>* groups);

 private:
  struct Entry {
    pid_t pid = 0;
    uid_t uid = 0;
    std::chrono::steady_clock::time_point read;
    std::vector<gid_t> groups;
  };
  static constexpr size_t kEntries = 64;
  static constexpr std::chrono::seconds kLifetime{1};

  std::mutex mutex_;
  Entry entries_[kEntries];
  size_t nextVictim_ = 0;
};

// Reads the "Groups:" line of /proc/<pid>/status. False when the process is gone.
bool ReadProcessGroups(pid_t pid, std::vector<gid_t>* groups);

// The server's own identity and whether it may switch.
class IdentitySwitcher {
 public:
  IdentitySwitcher();
  bool enabled() const { return enabled_; }
  GroupCache& groups() { return groups_; }
  const std::vector<gid_t>& serverGroups() const { return serverGroups_; }
  uid_t serverUid() const { return serverUid_; }
  gid_t serverGid() const { return serverGid_; }

 private:
  bool enabled_ = false;
  uid_t serverUid_ = 0;
  gid_t serverGid_ = 0;
  std::vector<gid_t> serverGroups_;
  GroupCache groups_;
};

// RAII: takes the requestor's identity for the life of the scope, then restores the
// server's. ok() is false when the switch failed (the request must then fail with
// STATUS_ACCESS_DENIED rather than run as root).
class IdentityScope {
 public:
  IdentityScope(IdentitySwitcher& switcher, const Requestor& requestor);
  ~IdentityScope();
  IdentityScope(const IdentityScope&) = delete;
  IdentityScope& operator=(const IdentityScope&) = delete;
  bool ok() const { return ok_; }

 private:
  IdentitySwitcher* switcher_ = nullptr;  // null: nothing to restore
  bool ok_ = true;
};

}  // namespace irpfs::mirror
