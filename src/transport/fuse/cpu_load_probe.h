// CpuLoadProbe: whether the caller can keep its CPU without keeping another task from
// one, from the kernel's instantaneous count of runnable tasks (/proc/loadavg's fourth
// field, which counts the caller too). The /dev/fuse poller asks it before polling
// (spin_poller.h): polling is worth its CPU time only where no one waits for a CPU.
#pragma once

#include <string_view>

namespace irpfs::fuse {

class CpuLoadProbe {
 public:
  // Opens /proc/loadavg once. Without it (no /proc), every answer is yes.
  CpuLoadProbe();
  ~CpuLoadProbe();
  CpuLoadProbe(const CpuLoadProbe&) = delete;
  CpuLoadProbe& operator=(const CpuLoadProbe&) = delete;

  // True when at most as many tasks are runnable, the caller included, as there are CPUs
  // this process may use (so each has one while the caller keeps its own), or when the
  // count cannot be read. One pread(2), about a microsecond. A caller that just woke
  // the task it answered counts that one too: at queue depth 1 on two CPUs that makes
  // two, and polling goes on; during a two-job build it makes three.
  bool EveryRunnableTaskHasACpu() const;

  // The runnable count of a /proc/loadavg line ("0.52 0.58 0.59 3/197 11206" -> 3), or -1.
  static int RunnableTasks(std::string_view loadavg);

 private:
  int fd_ = -1;
  int usableCpus_ = 0;
};

// The CPUs this process may run on (its affinity mask), 0 if that cannot be read.
int UsableCpuCount();

}  // namespace irpfs::fuse
