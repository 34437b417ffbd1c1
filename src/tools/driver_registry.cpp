#include "tools/driver_registry.h"

#include <memory>

#include "core/io_manager.h"
#include "drivers/filters/faults/faults_filter.h"
#include "drivers/filters/faults/faults_options.h"
#include "drivers/filters/readonly/readonly_filter.h"
#include "drivers/filters/stats/stats_filter.h"
#include "drivers/filters/trace/trace_filter.h"
#include "drivers/filters/trace/trace_options.h"
#include "drivers/memfs/memfs.h"
#include "drivers/memfs/memfs_options.h"
#include "drivers/mirror/mirror_driver.h"
#include "drivers/mirror/mirror_options.h"
#include "fsclass/fs_class_driver.h"

namespace irpfs::tools {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

// What memfs and mirror share: their driver object, then the volume `createVolume` makes
// on it with the options every FUSE mount gets. On failure nothing is kept and *error
// says which step failed (`volumeError` for the volume).
template <typename CreateVolume>
NtStatus BuildFileSystem(std::string_view driverName, DriverEntryRoutine entry,
                         const DriverRequest& request, const std::string& volumeError,
                         CreateVolume createVolume, DriverObject** driver, DeviceObject** volume,
                         std::string* error) {
  NtStatus status = IoCreateDriver(driverName, entry, "", driver);
  if (!NtSuccess(status)) {
    *error = "cannot create the " + std::string(driverName) +
             " driver: " + std::string(StatusName(status));
    return status;
  }
  fsclass::VolumeOptions volumeOptions;
  volumeOptions.name = std::string(driverName) + "0";
  volumeOptions.readOnly = request.readOnly;
  volumeOptions.mandatoryLocks = false;  // POSIX advisory locks over FUSE
  status = createVolume(*driver, volumeOptions, volume);
  if (!NtSuccess(status)) {
    *error = volumeError + ": " + std::string(StatusName(status));
    IoUnloadDriver(*driver);
    *driver = nullptr;
  }
  return status;
}

// ---- memfs.

bool MemfsAcceptsOption(std::string_view option, std::string* error) {
  memfs::MemfsOptions parsed;
  if (memfs::ParseMemfsOptions(option, &parsed) == NtStatus::Success) return true;
  *error = "unknown or invalid option '" + std::string(option) + "' for driver memfs";
  return false;
}

bool MemfsCheck(const DriverRequest& request, std::string* error) {
  memfs::MemfsOptions parsed;
  if (memfs::ParseMemfsOptions(Join(request.options), &parsed) == NtStatus::Success) return true;
  *error = "invalid memfs options '" + Join(request.options) + "'";
  return false;
}

NtStatus MemfsBuild(const DriverRequest& request, DriverObject** driver, DeviceObject** volume,
                    std::string* error) {
  memfs::MemfsOptions parsed;
  if (memfs::ParseMemfsOptions(Join(request.options), &parsed) != NtStatus::Success) {
    *error = "invalid memfs options";
    return NtStatus::InvalidParameter;
  }
  auto createVolume = [&](DriverObject* created, const fsclass::VolumeOptions& options,
                          DeviceObject** made) {
    return fsclass::FsCreateVolume(created, std::make_shared<memfs::MemFs>(parsed), options, made);
  };
  return BuildFileSystem("memfs", fsclass::FsClassDriverEntry, request,
                         "cannot create the memfs volume", createVolume, driver, volume, error);
}

void ClassDriverDestroy(DriverObject* driver, DeviceObject* volume) {
  if (volume != nullptr) fsclass::FsDeleteVolume(volume);
  if (driver != nullptr) IoUnloadDriver(driver);
}

// ---- mirror.

bool MirrorAcceptsOption(std::string_view option, std::string* error) {
  mirror::MirrorOptions parsed;
  // Keys only: a bare word would be taken as the source, which is the argument.
  if ((option.starts_with("label=") || option.starts_with("dir_readahead=")) &&
      mirror::ParseMirrorOptions(option, &parsed) == NtStatus::Success) {
    return true;
  }
  *error = "unknown or invalid option '" + std::string(option) + "' for driver mirror";
  return false;
}

bool MirrorCheck(const DriverRequest& request, std::string* error) {
  mirror::MirrorOptions parsed;
  if (mirror::ParseMirrorOptions(Join(request.options), &parsed) != NtStatus::Success) {
    *error = "invalid mirror options '" + Join(request.options) + "'";
    return false;
  }
  if (request.args.size() != 1) {
    *error = "usage: irpfs mount mirror SOURCE MOUNTPOINT";
    return false;
  }
  return mirror::ValidateMirrorSource(request.args[0], request.mountPoint, error) ==
         NtStatus::Success;
}

NtStatus MirrorBuild(const DriverRequest& request, DriverObject** driver, DeviceObject** volume,
                     std::string* error) {
  mirror::MirrorOptions parsed;
  if (mirror::ParseMirrorOptions(Join(request.options), &parsed) != NtStatus::Success ||
      request.args.size() != 1) {
    *error = "invalid mirror options";
    return NtStatus::InvalidParameter;
  }
  parsed.source = request.args[0];
  auto createVolume = [&](DriverObject* created, const fsclass::VolumeOptions& options,
                          DeviceObject** made) {
    return mirror::MirrorCreateVolume(created, parsed, options, made);
  };
  return BuildFileSystem("mirror", mirror::MirrorDriverEntry, request,
                         "cannot serve '" + request.args[0] + "'", createVolume, driver, volume,
                         error);
}

// ---- trace.

bool TraceCheck(std::string_view options, std::string* error) {
  trace::TraceOptions parsed;
  std::string why;
  if (trace::ParseTraceOptions(options, &parsed, &why) == NtStatus::Success) return true;
  *error = "bad options for filter trace: " + (why.empty() ? std::string(options) : why);
  return false;
}

bool NoOptions(std::string_view name, std::string_view options, std::string* error) {
  if (options.empty()) return true;
  *error = "filter " + std::string(name) + " takes no options";
  return false;
}

bool ReadonlyCheck(std::string_view options, std::string* error) {
  return NoOptions("readonly", options, error);
}

bool StatsCheck(std::string_view options, std::string* error) {
  return NoOptions("stats", options, error);
}

bool FaultsCheck(std::string_view options, std::string* error) {
  faults::FaultsSettings parsed;
  std::string why;
  if (faults::ParseFaultsOptions(options, &parsed, &why) == NtStatus::Success) return true;
  *error = "bad options for filter faults: " + (why.empty() ? std::string(options) : why);
  return false;
}

constexpr DriverEntryInfo kDrivers[] = {
    {"memfs", "", "a file system in memory (-o capacity=SIZE,inodes=N,label=TEXT,mode=OCTAL)", 0,
     MemfsAcceptsOption, MemfsCheck, MemfsBuild, ClassDriverDestroy, false, true, true},
    {"mirror", "SOURCE", "a host directory, passed through (-o label=TEXT,dir_readahead=on|off)", 1,
     MirrorAcceptsOption, MirrorCheck, MirrorBuild, ClassDriverDestroy, true, true, false},
};

constexpr FilterEntryInfo kFilters[] = {
    {"trace", "records every IRP (trace:format=text|json,file=PATH,capacity=N)", TraceCheck,
     trace::TraceDriverEntry, true},
    {"stats", "counts IRPs per major with latency histograms", StatsCheck, stats::StatsDriverEntry,
     false},
    {"readonly", "refuses every change with EROFS", ReadonlyCheck, readonly::ReadonlyDriverEntry,
     false},
    {"faults", "injects errors, delays, short transfers, ENOSPC (faults:op=write,status=EIO,...)",
     FaultsCheck, faults::FaultsDriverEntry, false},
};

}  // namespace

std::span<const DriverEntryInfo> Drivers() {
  return kDrivers;
}
std::span<const FilterEntryInfo> Filters() {
  return kFilters;
}

const DriverEntryInfo* FindDriver(std::string_view name) {
  for (const DriverEntryInfo& driver : kDrivers) {
    if (driver.name == name) return &driver;
  }
  return nullptr;
}

const FilterEntryInfo* FindFilter(std::string_view name) {
  for (const FilterEntryInfo& filter : kFilters) {
    if (filter.name == name) return &filter;
  }
  return nullptr;
}

}  // namespace irpfs::tools
