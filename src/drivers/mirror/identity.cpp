#include "drivers/mirror/identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "drivers/mirror/host_calls.h"

namespace irpfs::mirror {

bool ReadProcessGroups(pid_t pid, std::vector<gid_t>* groups) {
  groups->clear();
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // The status file is a few KiB; "Groups:" sits in its first half.
  char text[8192];
  size_t used = 0;
  for (;;) {
    ssize_t n = read(fd, text + used, sizeof text - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += static_cast<size_t>(n);
    if (used == sizeof text - 1) break;
  }
  close(fd);
  text[used] = '\0';
  const char* line = std::strstr(text, "\nGroups:");
  if (line == nullptr) return false;
  const char* p = line + std::strlen("\nGroups:");
  for (;;) {
    while (*p == ' ' || *p == '\t') ++p;
    if (*p < '0' || *p > '9') break;
    char* end = nullptr;
    unsigned long gid = std::strtoul(p, &end, 10);
    groups->push_back(static_cast<gid_t>(gid));
    p = end;
  }
  return true;
}

void GroupCache::Get(pid_t pid, uid_t uid, std::vector<gid_t>* groups) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    for (Entry& e : entries_) {
      if (e.pid == pid && e.uid == uid && now - e.read < kLifetime) {
        groups->assign(e.groups.begin(), e.groups.end());
        return;
      }
    }
  }
  if (!ReadProcessGroups(pid, groups)) {
    groups->clear();
    return;
  }
  std::lock_guard lock(mutex_);
  Entry& victim = entries_[nextVictim_];
  nextVictim_ = (nextVictim_ + 1) % kEntries;
  victim.pid = pid;
  victim.uid = uid;
  victim.read = now;
  victim.groups.assign(groups->begin(), groups->end());
}

IdentitySwitcher::IdentitySwitcher() {
  serverUid_ = geteuid();
  serverGid_ = getegid();
  enabled_ = serverUid_ == 0;
  int count = getgroups(0, nullptr);
  if (count > 0) {
    serverGroups_.resize(static_cast<size_t>(count));
    count = getgroups(count, serverGroups_.data());
    serverGroups_.resize(count > 0 ? static_cast<size_t>(count) : 0);
  }
}

namespace {
// The groups a request runs with; per thread so a warm thread allocates nothing.
thread_local std::vector<gid_t> requestGroups;
}  // namespace

IdentityScope::IdentityScope(IdentitySwitcher& switcher, const Requestor& requestor) {
  if (!switcher.enabled()) return;
  if (requestor.uid == switcher.serverUid() && requestor.gid == switcher.serverGid() &&
      requestor.uid == 0) {
    return;  // root asking as root: the server's identity already is the caller's
  }
  if (requestor.pid > 0) {
    switcher.groups().Get(requestor.pid, requestor.uid, &requestGroups);
  } else {
    requestGroups.clear();
  }
  switcher_ = &switcher;
  // Groups and gid first: once fsuid is not 0 the thread may lose the right to change them.
  if (host::SetThreadGroups(requestGroups.size(), requestGroups.data()) < 0) ok_ = false;
  host::SetFsGid(requestor.gid);
  host::SetFsUid(requestor.uid);
  // setfsuid/setfsgid report the previous id, never an error: read the ids back.
  if (host::SetFsUid(static_cast<uint32_t>(-1)) != requestor.uid ||
      host::SetFsGid(static_cast<uint32_t>(-1)) != requestor.gid) {
    ok_ = false;
  }
}

IdentityScope::~IdentityScope() {
  if (switcher_ == nullptr) return;
  host::SetFsUid(switcher_->serverUid());
  host::SetFsGid(switcher_->serverGid());
  const std::vector<gid_t>& groups = switcher_->serverGroups();
  host::SetThreadGroups(groups.size(), groups.data());
}

}  // namespace irpfs::mirror
