// Where a mount daemon keeps its log and pid files: /run/irpfs as root, else
// $XDG_RUNTIME_DIR/irpfs, else /tmp/irpfs-<uid>. Files are named after the mount point
// ("/mnt/data" -> "mnt-data.log", "mnt-data.pid"), so `irpfs unmount` finds the daemon.
#pragma once

#include <sys/types.h>

#include <string>

namespace irpfs::tools {

struct RuntimeFiles {
  std::string directory;
  std::string logPath;
  std::string pidPath;
};

// Computes the paths for `mountpoint` (absolute) and creates the directory (mode 0700).
// Returns false with *error when the directory cannot be created.
bool PrepareRuntimeFiles(const std::string& mountpoint, RuntimeFiles* files, std::string* error);
// Computes the paths without creating anything.
RuntimeFiles RuntimeFilesFor(const std::string& mountpoint);

// The pid recorded for `mountpoint`, or -1.
pid_t ReadDaemonPid(const std::string& mountpoint);

// True while `pid` runs; a zombie (exited, not yet reaped by its new parent) is gone.
bool ProcessRunning(pid_t pid);

}  // namespace irpfs::tools
