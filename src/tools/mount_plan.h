// What `irpfs mount` was asked to do, parsed and checked, before anything is created.
#pragma once

#include <string>
#include <vector>

#include "tools/driver_registry.h"
#include "transport/fuse/dispatcher_impl.h"
#include "transport/fuse/fuse_mount.h"

namespace irpfs::tools {

struct FilterRequest {
  const FilterEntryInfo* filter = nullptr;
  std::string options;
};

struct MountPlan {
  const DriverEntryInfo* driver = nullptr;
  DriverRequest driverRequest;
  std::vector<FilterRequest> filters;  // bottom-up: the first is attached first
  fuse::FuseMountOptions fuse;         // mount point (absolute), mount and channel options
  fuse::DispatcherOptions dispatcher;
  bool negativeTimeoutGiven = false;  // else it follows entry_timeout or stays 0 (driver)
  bool foreground = false;
};

// Parses `irpfs mount` arguments (after the word "mount"). On a mistake returns false
// with one line in *error. Sets *helpShown when --help was asked (nothing else to do).
bool ParseMountCommand(int argc, char** argv, MountPlan* plan, std::string* error, bool* helpShown);

// Applies one -o entry. Generic options (allow_other, default_permissions, ro, rw,
// attr_timeout=, entry_timeout=, negative_timeout=, fsname=, subtype=, max_read=,
// writeback_cache, no_readdirplus, [no]keep_cache, [no]passthrough, pin_workers, [no]standby_gate,
// spin=, sync_read, uring, threads=) go to the mount; the rest must be the driver's.
bool ApplyMountOption(std::string_view option, MountPlan* plan, std::string* error);

}  // namespace irpfs::tools
