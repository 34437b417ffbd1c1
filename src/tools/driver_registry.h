// The drivers and filters `irpfs mount` knows, by name.
//
// Each entry can check its arguments and options without side effects (so the command
// reports mistakes before it daemonizes) and build its part of a volume's device stack.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.h"
#include "core/status.h"

namespace irpfs::tools {

// What a file system driver is asked to build.
struct DriverRequest {
  std::vector<std::string> args;     // the DRIVER-ARGS (e.g. mirror's source directory)
  std::vector<std::string> options;  // its -o entries, "key" or "key=value"
  bool readOnly = false;
  std::string mountPoint;  // absolute; drivers that serve a host path refuse to contain it
};

struct DriverEntryInfo {
  std::string_view name;
  std::string_view usage;  // DRIVER-ARGS, for the help text
  std::string_view summary;
  size_t argCount = 0;
  // True when `option` (one -o entry) belongs to this driver and is valid.
  bool (*acceptsOption)(std::string_view option, std::string* error) = nullptr;
  // Validates the whole request (args and options together).
  bool (*check)(const DriverRequest& request, std::string* error) = nullptr;
  // Creates the driver object and its volume device.
  NtStatus (*build)(const DriverRequest& request, DriverObject** driver, DeviceObject** volume,
                    std::string* error) = nullptr;
  // Deletes what build made (the volume must be detached and idle).
  void (*destroy)(DriverObject* driver, DeviceObject* volume) = nullptr;
  // Its files have host descriptors (MiniFileSystem::GetBackingDescriptor): FUSE
  // passthrough is on unless -o nopassthrough.
  bool passthroughByDefault = false;
  // It drops set-ID bits and file capabilities itself on write, truncate, fallocate, copy
  // and chown, and reports a dropped bit (OperationContext::ReportAttributesChanged):
  // FUSE_HANDLE_KILLPRIV_V2 is asked for unless -o nokillpriv_v2.
  bool dropsPrivileges = false;
  // Nothing but the mount changes its names and data (no host directory behind them), so
  // what the kernel keeps cannot go stale: the page cache is kept across opens and a
  // missing name is remembered for entry_timeout, unless -o nokeep_cache or
  // negative_timeout= say otherwise.
  bool changedOnlyThroughTheMount = false;
};

struct FilterEntryInfo {
  std::string_view name;
  std::string_view summary;
  bool (*check)(std::string_view options, std::string* error) = nullptr;
  // The filter driver's DriverEntry; its devices are attached with VolumeStack::Attach.
  NtStatus (*driverEntry)(DriverObject* driver, std::string_view parameters) = nullptr;
  // The driver reads its options only as DriverEntry parameters (not at attach time), so
  // the driver object is loaded with each attach's options.
  bool optionsAtLoad = false;
};

std::span<const DriverEntryInfo> Drivers();
std::span<const FilterEntryInfo> Filters();
const DriverEntryInfo* FindDriver(std::string_view name);
const FilterEntryInfo* FindFilter(std::string_view name);

}  // namespace irpfs::tools
