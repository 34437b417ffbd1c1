#include "transport/fuse/cpu_load_probe.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>

namespace irpfs::fuse {

CpuLoadProbe::CpuLoadProbe() {
  fd_ = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  usableCpus_ = UsableCpuCount();
}

CpuLoadProbe::~CpuLoadProbe() {
  if (fd_ >= 0) close(fd_);
}

bool CpuLoadProbe::EveryRunnableTaskHasACpu() const {
  if (fd_ < 0 || usableCpus_ <= 0) return true;
  char text[96];
  ssize_t n;
  do {
    n = pread(fd_, text, sizeof text, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return true;
  int runnable = RunnableTasks(std::string_view(text, static_cast<size_t>(n)));
  return runnable < 0 || runnable <= usableCpus_;
}

int CpuLoadProbe::RunnableTasks(std::string_view loadavg) {
  // Three load averages, then "RUNNABLE/TOTAL".
  size_t at = 0;
  for (int field = 0; field < 3; ++field) {
    at = loadavg.find(' ', at);
    if (at == std::string_view::npos) return -1;
    ++at;
  }
  int runnable = 0;
  size_t digits = 0;
  for (; at < loadavg.size() && loadavg[at] >= '0' && loadavg[at] <= '9'; ++at, ++digits) {
    if (runnable > 100000000) return -1;
    runnable = runnable * 10 + (loadavg[at] - '0');
  }
  if (digits == 0 || at >= loadavg.size() || loadavg[at] != '/') return -1;
  return runnable;
}

int UsableCpuCount() {
  cpu_set_t allowed;
  return sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : 0;
}

}  // namespace irpfs::fuse
