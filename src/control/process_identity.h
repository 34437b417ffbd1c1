// Telling whether the process that wrote a record still runs. A pid alone is not enough:
// pids are reused, so a record also keeps the process's start time (field 22 of
// /proc/<pid>/stat, in clock ticks since boot), which a new process with the same pid will
// not share.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace irpfs::control {

// The start time of `pid`, or 0 when it does not run (or is a zombie).
uint64_t ProcessStartTicks(pid_t pid);

// True while `pid` runs and, when startTicks is not 0, is the process that started then.
bool ProcessAlive(pid_t pid, uint64_t startTicks);

}  // namespace irpfs::control
