#include "tools/mount_plan.h"

#include <limits.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>

namespace irpfs::tools {
namespace {

bool ParseDouble(std::string_view text, double* out) {
  std::string copy(text);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !(value >= 0) || value > 1e9) {
    return false;
  }
  *out = value;
  return true;
}

bool ParseUnsigned(std::string_view text, uint64_t max, uint64_t* out) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) return false;
  *out = value;
  return true;
}

std::string AbsolutePath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) != nullptr) return resolved;
  return path;  // the prerequisite check reports a missing path
}

void SplitOptions(const std::string& text, std::vector<std::string>* out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out->push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
}

}  // namespace

bool ApplyMountOption(std::string_view option, MountPlan* plan, std::string* error) {
  size_t equals = option.find('=');
  std::string_view key = option.substr(0, equals);
  std::string_view value = equals == std::string_view::npos ? "" : option.substr(equals + 1);
  bool hasValue = equals != std::string_view::npos;
  fuse::MountOptions& mount = plan->fuse.mount;
  fuse::ChannelOptions& channel = plan->fuse.channel;

  auto flag = [&](bool* target, bool set) {
    if (hasValue) {
      *error = "option '" + std::string(key) + "' takes no value";
      return false;
    }
    *target = set;
    return true;
  };
  auto badValue = [&]() {
    *error = "bad value in option '" + std::string(option) + "'";
    return false;
  };
  // KEY, KEY=on or KEY=off.
  auto onOff = [&](bool* target) {
    if (hasValue && value != "on" && value != "off") return badValue();
    *target = !hasValue || value == "on";
    return true;
  };

  if (key == "allow_other") return flag(&mount.allowOther, true);
  if (key == "default_permissions") return flag(&mount.defaultPermissions, true);
  // ro makes the kernel mount read-only (MS_RDONLY): every write fails with EROFS
  // before it reaches the stack. The volume itself is not made read-only, because the
  // dispatcher's node handles ask for attribute-write access, which a read-only class
  // driver volume refuses even for the root.
  if (key == "ro") return flag(&mount.readOnly, true);
  if (key == "rw") return flag(&mount.readOnly, false);
  if (key == "writeback_cache") return flag(&channel.writebackCache, true);
  if (key == "no_readdirplus") return flag(&channel.readdirplus, false);
  // FUSE passthrough (on by default for drivers with host files, docs/mirror.md).
  if (key == "nopassthrough") return flag(&channel.passthrough, false);
  if (key == "passthrough") return onOff(&channel.passthrough);
  // FUSE_HANDLE_KILLPRIV_V2 (on for drivers that drop set-ID bits themselves): the kernel
  // stops asking for security.capability before writes (docs/fuse-mapping.md).
  if (key == "killpriv_v2") return flag(&channel.handleKillprivV2, true);
  if (key == "nokillpriv_v2") return flag(&channel.handleKillprivV2, false);
  if (key == "pin_workers") return flag(&channel.pinWorkers, true);
  // Parking the workers after the first while it keeps up alone (standby_gate.h).
  if (key == "standby_gate") return onOff(&channel.standbyGate);
  if (key == "nostandby_gate") return flag(&channel.standbyGate, false);
  // spin=USEC: how long a /dev/fuse worker polls for the next request (spin_poller.h).
  if (key == "spin") {
    uint64_t parsed = 0;
    if (!hasValue || !ParseUnsigned(value, 1000000, &parsed)) return badValue();
    channel.spinWindow = std::chrono::microseconds(parsed);
    return true;
  }
  // slice=USEC: the scheduler slice of the serving threads (worker_slice.h); 0 (the
  // default) keeps the kernel's. The kernel takes 100 us to 100 ms.
  if (key == "slice") {
    uint64_t parsed = 0;
    if (!hasValue || !ParseUnsigned(value, 100000, &parsed) || (parsed != 0 && parsed < 100)) {
      return badValue();
    }
    channel.workerSlice = std::chrono::microseconds(parsed);
    return true;
  }
  // Without FUSE_ASYNC_READ (and FUSE_ASYNC_DIO) every READ is a request its reader waits
  // on, which a signal interrupts (FUSE_INTERRUPT); with them, readahead and async direct
  // I/O are background requests that nothing short of SIGKILL interrupts. For drivers
  // that may hold a READ indefinitely; costs readahead in parallel. docs/fuse-mapping.md.
  if (key == "sync_read") return flag(&channel.asyncRead, false);
  // FUSE-over-io_uring; as root, also switches the fuse module's enable_uring on. Falls
  // back to /dev/fuse workers (with a warning) when the kernel does not offer it.
  if (key == "uring") {
    if (!flag(&channel.useUring, true)) return false;
    plan->fuse.enableKernelUring = true;
    return true;
  }
  // The page cache kept across opens; on by default for drivers nothing else changes.
  if (key == "keep_cache") return flag(&plan->dispatcher.keepCache, true);
  if (key == "nokeep_cache") return flag(&plan->dispatcher.keepCache, false);
  // Without keep_cache: keep the page cache at an open that finds the file unchanged since
  // the previous one (DispatcherOptions::autoCache), on by default.
  if (key == "auto_cache") return flag(&plan->dispatcher.autoCache, true);
  if (key == "noauto_cache") return flag(&plan->dispatcher.autoCache, false);
  // The kernel's directory cache (DispatcherOptions::cacheDirectories), on by default.
  if (key == "dir_cache") return onOff(&plan->dispatcher.cacheDirectories);
  // Extended attributes (DispatcherOptions::extendedAttributes), on by default; off, the
  // kernel no longer asks for security.capability before writes.
  if (key == "xattr") return onOff(&plan->dispatcher.extendedAttributes);
  if (key == "noxattr") return flag(&plan->dispatcher.extendedAttributes, false);
  if (key == "attr_timeout") {
    return hasValue && ParseDouble(value, &plan->dispatcher.attrTimeout) ? true : badValue();
  }
  if (key == "entry_timeout") {
    return hasValue && ParseDouble(value, &plan->dispatcher.entryTimeout) ? true : badValue();
  }
  // How long a missing name is remembered (DispatcherOptions::negativeTimeout).
  if (key == "negative_timeout") {
    if (!hasValue || !ParseDouble(value, &plan->dispatcher.negativeTimeout)) return badValue();
    plan->negativeTimeoutGiven = true;
    return true;
  }
  if (key == "fsname" || key == "subtype") {
    if (!hasValue || value.empty() || value.find_first_of(", ") != std::string_view::npos) {
      return badValue();
    }
    (key == "fsname" ? mount.fsname : mount.subtype) = std::string(value);
    return true;
  }
  if (key == "max_read") {
    uint64_t parsed = 0;
    if (!hasValue || !ParseUnsigned(value, UINT32_MAX, &parsed)) return badValue();
    mount.maxRead = static_cast<uint32_t>(parsed);
    return true;
  }
  if (key == "threads") {
    uint64_t parsed = 0;
    if (!hasValue || !ParseUnsigned(value, 1024, &parsed) || parsed == 0) return badValue();
    channel.threads = static_cast<unsigned>(parsed);
    return true;
  }
  std::string driverError;
  if (plan->driver != nullptr && plan->driver->acceptsOption(option, &driverError)) {
    plan->driverRequest.options.emplace_back(option);
    return true;
  }
  *error = !driverError.empty() ? driverError : "unknown option '" + std::string(option) + "'";
  return false;
}

bool ParseMountCommand(int argc, char** argv, MountPlan* plan, std::string* error,
                       bool* helpShown) {
  *helpShown = false;
  std::string driverList;
  for (const DriverEntryInfo& d : Drivers()) {
    driverList +=
        "\n  " + std::string(d.name) + " " + std::string(d.usage) + "  " + std::string(d.summary);
  }
  std::string filterList;
  for (const FilterEntryInfo& f : Filters()) {
    filterList += "\n  " + std::string(f.name) + "  " + std::string(f.summary);
  }
  CLI::App app("Mounts an irpfs volume.\n\nDrivers:" + driverList + "\nFilters:" + filterList,
               "irpfs mount");
  std::vector<std::string> positionals;
  std::vector<std::string> options;
  std::vector<std::string> filters;
  unsigned threads = 0;
  app.add_option("DRIVER [DRIVER-ARGS] MOUNTPOINT", positionals,
                 "driver, its arguments, mount point")
      ->required();
  app.add_option("-o", options, "mount options, comma-separated (repeatable)");
  app.add_option("--filter", filters, "attach a filter above the volume: NAME[:OPTIONS]");
  app.add_flag("-f,--foreground", plan->foreground, "stay in the foreground, log to stderr");
  app.add_option("--threads", threads, "worker threads (default: one per CPU plus two, at least 4)")
      ->check(CLI::Range(1, 1024));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    *helpShown = true;
    return true;
  } catch (const CLI::ParseError& e) {
    *error = e.what();
    return false;
  }

  if (positionals.size() < 2) {
    *error = "usage: irpfs mount DRIVER [DRIVER-ARGS] MOUNTPOINT [options]";
    return false;
  }
  plan->driver = FindDriver(positionals.front());
  if (plan->driver == nullptr) {
    *error = "unknown driver '" + positionals.front() + "'";
    return false;
  }
  size_t argCount = positionals.size() - 2;
  if (argCount != plan->driver->argCount) {
    *error = "driver " + std::string(plan->driver->name) + " takes " +
             std::to_string(plan->driver->argCount) + " argument(s)" +
             (plan->driver->usage.empty() ? "" : ": " + std::string(plan->driver->usage)) +
             ", got " + std::to_string(argCount);
    return false;
  }
  plan->driverRequest.args.assign(positionals.begin() + 1, positionals.end() - 1);
  plan->fuse.mount.mountpoint = AbsolutePath(positionals.back());
  plan->fuse.mount.fsname = "irpfs-" + std::string(plan->driver->name);
  plan->fuse.channel.passthrough = plan->driver->passthroughByDefault;
  plan->fuse.channel.handleKillprivV2 = plan->driver->dropsPrivileges;
  plan->dispatcher.keepCache = plan->driver->changedOnlyThroughTheMount;
  plan->dispatcher.autoCache = true;

  std::vector<std::string> entries;
  for (const std::string& text : options) SplitOptions(text, &entries);
  for (const std::string& entry : entries) {
    if (!ApplyMountOption(entry, plan, error)) return false;
  }
  if (threads != 0) plan->fuse.channel.threads = threads;
  if (!plan->negativeTimeoutGiven && plan->driver->changedOnlyThroughTheMount) {
    plan->dispatcher.negativeTimeout = plan->dispatcher.entryTimeout;
  }
  plan->driverRequest.mountPoint = plan->fuse.mount.mountpoint;
  if (!plan->driver->check(plan->driverRequest, error)) return false;

  for (const std::string& text : filters) {
    size_t colon = text.find(':');
    std::string name = text.substr(0, colon);
    const FilterEntryInfo* filter = FindFilter(name);
    if (filter == nullptr) {
      *error = "unknown filter '" + name + "'";
      return false;
    }
    std::string filterOptions = colon == std::string::npos ? "" : text.substr(colon + 1);
    if (!filter->check(filterOptions, error)) return false;
    plan->filters.push_back(FilterRequest{filter, filterOptions});
  }
  return true;
}

}  // namespace irpfs::tools
