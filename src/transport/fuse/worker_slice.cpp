#include "transport/fuse/worker_slice.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "transport/fuse/log.h"

namespace irpfs::fuse {

namespace {

// The kernel's struct sched_attr (include/uapi/linux/sched/types.h), version 1 (56
// bytes). glibc before 2.41 has no wrapper and its <sched.h> clashes with the uapi
// header's struct sched_param, so the layout is spelled out here.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};
static_assert(sizeof(SchedAttr) == 56);
constexpr uint64_t kResetOnFork = 0x01;  // SCHED_FLAG_RESET_ON_FORK, kept as found

int GetAttr(pid_t tid, SchedAttr* attr) {
  *attr = SchedAttr{};
  if (syscall(SYS_sched_getattr, tid, attr, sizeof *attr, 0) != 0) return -errno;
  return 0;
}

bool FairPolicy(uint32_t policy) {
  return policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE;
}

}  // namespace

int RequestWorkerSlice(std::chrono::microseconds slice) {
  SchedAttr attr;
  if (int r = GetAttr(0, &attr); r != 0) return r;
  if (!FairPolicy(attr.sched_policy)) return 0;  // someone chose a real-time policy: keep it
  // sched_getattr reports the nice value and the policy as they are; writing them back
  // keeps them, so only the runtime (the slice) changes.
  attr.size = sizeof attr;
  attr.sched_flags &= kResetOnFork;
  attr.sched_runtime = slice.count() > 0 ? static_cast<uint64_t>(slice.count()) * 1000 : 0;
  attr.sched_deadline = 0;
  attr.sched_period = 0;
  if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) return -errno;
  return 0;
}

void TakeWorkerSlice(std::chrono::microseconds slice) {
  if (slice.count() <= 0) return;
  int r = RequestWorkerSlice(slice);
  static std::atomic<bool> reported{false};
  if (r != 0 && !reported.exchange(true)) {
    FuseLog(LogLevel::kWarning, "a %lld us scheduler slice for the workers was refused: %s",
            static_cast<long long>(slice.count()), std::strerror(-r));
  }
}

long long ThreadSliceNs(pid_t tid) {
  SchedAttr attr;
  if (int r = GetAttr(tid, &attr); r != 0) return r;
  return FairPolicy(attr.sched_policy) ? static_cast<long long>(attr.sched_runtime) : 0;
}

}  // namespace irpfs::fuse
