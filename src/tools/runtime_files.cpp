#include "tools/runtime_files.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace irpfs::tools {
namespace {

std::string RuntimeDirectory() {
  if (geteuid() == 0) return "/run/irpfs";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && *xdg == '/') {
    return std::string(xdg) + "/irpfs";
  }
  return "/tmp/irpfs-" + std::to_string(geteuid());
}

std::string FileStem(const std::string& mountpoint) {
  std::string stem;
  for (char c : mountpoint) {
    if (c == '/') {
      if (!stem.empty() && stem.back() != '-') stem.push_back('-');
    } else {
      stem.push_back(c);
    }
  }
  while (!stem.empty() && stem.back() == '-') stem.pop_back();
  return stem.empty() ? "root" : stem;
}

}  // namespace

RuntimeFiles RuntimeFilesFor(const std::string& mountpoint) {
  RuntimeFiles files;
  files.directory = RuntimeDirectory();
  std::string stem = FileStem(mountpoint);
  files.logPath = files.directory + "/" + stem + ".log";
  files.pidPath = files.directory + "/" + stem + ".pid";
  return files;
}

bool PrepareRuntimeFiles(const std::string& mountpoint, RuntimeFiles* files, std::string* error) {
  *files = RuntimeFilesFor(mountpoint);
  if (mkdir(files->directory.c_str(), 0700) != 0 && errno != EEXIST) {
    *error = "cannot create " + files->directory + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

pid_t ReadDaemonPid(const std::string& mountpoint) {
  std::ifstream in(RuntimeFilesFor(mountpoint).pidPath);
  long pid = -1;
  if (!(in >> pid) || pid <= 0) return -1;
  return static_cast<pid_t>(pid);
}

bool ProcessRunning(pid_t pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  // "pid (comm) state ...": comm may hold spaces and parentheses, the state follows the
  // last ')'.
  size_t close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

}  // namespace irpfs::tools
