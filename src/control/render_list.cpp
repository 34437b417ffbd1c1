// `irpfs list`: the live mounts of the registry.
#include "control/text_table.h"
#include "control/views.h"

namespace irpfs::control {

std::string RenderMountList(const std::vector<MountRecord>& mounts) {
  if (mounts.empty()) return "No irpfs mounts.\n";
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"MOUNT POINT", "DRIVER", "FILTERS", "PID", "UID", "SOCKET"});
  for (const MountRecord& mount : mounts) {
    std::string filters;
    for (const std::string& filter : mount.filters) {
      if (!filters.empty()) filters += ",";
      filters += filter;
    }
    rows.push_back({mount.mountPoint, mount.driver, filters.empty() ? "-" : filters,
                    std::to_string(mount.pid), std::to_string(mount.uid), mount.socketPath});
  }
  return FormatTable(rows);
}

}  // namespace irpfs::control
