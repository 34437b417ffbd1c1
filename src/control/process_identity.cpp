#include "control/process_identity.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace irpfs::control {

uint64_t ProcessStartTicks(pid_t pid) {
  if (pid <= 0) return 0;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count the fields
  // from the last ')'. The state is field 3, the start time field 22.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  uint64_t startTicks = 0;
  for (int index = 3; index <= 22 && rest >> field; ++index) {
    if (index == 3 && (field == "Z" || field == "X")) return 0;
    if (index == 22) startTicks = std::strtoull(field.c_str(), nullptr, 10);
  }
  return startTicks;
}

bool ProcessAlive(pid_t pid, uint64_t startTicks) {
  uint64_t now = ProcessStartTicks(pid);
  if (now == 0) return false;
  return startTicks == 0 || now == startTicks;
}

}  // namespace irpfs::control
