// One live mount, as the registry keeps it and `irpfs list` shows it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace irpfs::control {

struct MountRecord {
  std::string mountPoint;            // absolute
  std::string driver;                // "memfs", "mirror", ...
  std::vector<std::string> filters;  // top to bottom, as mounted
  std::string socketPath;            // its control socket
  pid_t pid = 0;                     // the process serving the mount
  uid_t uid = 0;                     // who mounted it (may use the socket besides root)
  uint64_t pidStartTicks = 0;        // see process_identity.h; 0 = unknown
  int64_t mountedAt = 0;             // unix seconds
};

}  // namespace irpfs::control
