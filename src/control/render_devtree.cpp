// The device tree: every mount (a volume enumerated by the root) with its stack.
#include "control/views.h"

namespace irpfs::control {
namespace {

std::string DeviceLabel(const DeviceRow& row) {
  std::string label = row.device + " (" + row.driver;
  if (!row.type.empty()) label += ", " + row.type;
  if (row.altitude != 0) label += ", altitude " + std::to_string(row.altitude);
  return label + ")";
}

}  // namespace

std::string RenderDevTree(const std::vector<VolumeTreeEntry>& volumes) {
  std::string out = "irpfs\n";
  if (volumes.empty()) return out + "└── (no mounts)\n";
  for (size_t v = 0; v < volumes.size(); ++v) {
    const VolumeTreeEntry& volume = volumes[v];
    bool lastVolume = v + 1 == volumes.size();
    out += lastVolume ? "└── " : "├── ";
    out += volume.mount.mountPoint + " [" + volume.mount.driver + ", pid " +
           std::to_string(volume.mount.pid) + "]\n";
    std::string indent = lastVolume ? "    " : "│   ";
    std::vector<std::string> children;
    if (!volume.error.empty()) {
      children.push_back("(no answer: " + volume.error + ")");
    } else if (volume.devices.empty()) {
      children.push_back("(no device objects)");
    }
    for (const DeviceRow& row : volume.devices) children.push_back(DeviceLabel(row));
    for (size_t c = 0; c < children.size(); ++c) {
      out += indent + (c + 1 == children.size() ? "└── " : "├── ") + children[c] + "\n";
    }
  }
  return out;
}

}  // namespace irpfs::control
