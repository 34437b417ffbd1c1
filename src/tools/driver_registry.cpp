#include "tools/driver_registry.h"

#include <memory>

#include "core/io_manager.h"
#include "drivers/filters/trace/trace_filter.h"
#include "drivers/filters/trace/trace_options.h"
#include "drivers/memfs/memfs.h"
#include "drivers/memfs/memfs_options.h"
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
  NtStatus status = IoCreateDriver("memfs", fsclass::FsClassDriverEntry, "", driver);
  if (!NtSuccess(status)) {
    *error = "cannot create the memfs driver: " + std::string(StatusName(status));
    return status;
  }
  fsclass::VolumeOptions volumeOptions;
  volumeOptions.name = "memfs0";
  volumeOptions.readOnly = request.readOnly;
  volumeOptions.mandatoryLocks = false;  // POSIX advisory locks over FUSE
  status = fsclass::FsCreateVolume(*driver, std::make_shared<memfs::MemFs>(parsed), volumeOptions,
                                   volume);
  if (!NtSuccess(status)) {
    *error = "cannot create the memfs volume: " + std::string(StatusName(status));
    IoUnloadDriver(*driver);
    *driver = nullptr;
  }
  return status;
}

void ClassDriverDestroy(DriverObject* driver, DeviceObject* volume) {
  if (volume != nullptr) fsclass::FsDeleteVolume(volume);
  if (driver != nullptr) IoUnloadDriver(driver);
}

// ---- trace.

bool TraceCheck(std::string_view options, std::string* error) {
  trace::TraceOptions parsed;
  std::string why;
  if (trace::ParseTraceOptions(options, &parsed, &why) == NtStatus::Success) return true;
  *error = "bad options for filter trace: " + (why.empty() ? std::string(options) : why);
  return false;
}

NtStatus TraceAttachFilter(std::string_view options, DeviceObject* volume, DriverObject** driver,
                           DeviceObject** filter, std::string* error) {
  NtStatus status = IoCreateDriver("trace", trace::TraceDriverEntry, "", driver);
  if (!NtSuccess(status)) {
    *error = "cannot create the trace driver: " + std::string(StatusName(status));
    return status;
  }
  status = trace::TraceAttach(*driver, volume, options, filter, error);
  if (!NtSuccess(status)) {
    IoUnloadDriver(*driver);
    *driver = nullptr;
  }
  return status;
}

void TraceDetachFilter(DriverObject* driver, DeviceObject* filter) {
  if (filter != nullptr) trace::TraceDetach(filter);
  if (driver != nullptr) IoUnloadDriver(driver);
}

constexpr DriverEntryInfo kDrivers[] = {
    {"memfs", "", "a file system in memory (-o capacity=SIZE,inodes=N,label=TEXT,mode=OCTAL)", 0,
     MemfsAcceptsOption, MemfsCheck, MemfsBuild, ClassDriverDestroy},
};

constexpr FilterEntryInfo kFilters[] = {
    {"trace", "records every IRP (trace:format=text|json,file=PATH,capacity=N)", TraceCheck,
     TraceAttachFilter, TraceDetachFilter},
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
