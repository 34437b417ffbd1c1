#include "control/control_queries.h"

#include <climits>
#include <cstdlib>
#include <filesystem>

#include "control/views_json.h"

namespace irpfs::control {
namespace {

std::string ResolveMountPoint(const std::string& mountPoint) {
  char resolved[PATH_MAX];
  if (realpath(mountPoint.c_str(), resolved) != nullptr) return resolved;
  std::error_code ignored;
  std::filesystem::path absolute = std::filesystem::absolute(mountPoint, ignored);
  return absolute.empty() ? mountPoint : absolute.lexically_normal().string();
}

// The response of `request`, or STATUS_UNSUCCESSFUL with its error.
NtStatus CallOk(ControlClient& client, const Json& request, Json* response, std::string* error) {
  *response = client.Call(request);
  if ((*response)["ok"].get<bool>()) return NtStatus::Success;
  *error = StringMember(*response, "error", "the command failed");
  return NtStatus::Unsuccessful;
}

}  // namespace

std::unique_ptr<ControlClient> ConnectToMount(const std::string& mountPoint,
                                              const MountRegistry& registry, std::string* error,
                                              NtStatus* status) {
  NtStatus ignored;
  if (status == nullptr) status = &ignored;
  std::string resolved = ResolveMountPoint(mountPoint);
  auto record = registry.Find(resolved);
  if (!record) {
    *error = "no irpfs mount at " + resolved;
    *status = NtStatus::ObjectNameNotFound;
    return nullptr;
  }
  auto client = ControlClient::Connect(record->socketPath, error);
  *status = client ? NtStatus::Success : NtStatus::DeviceNotConnected;
  return client;
}

std::unique_ptr<ControlClient> ConnectToMount(const std::string& mountPoint, std::string* error,
                                              NtStatus* status) {
  return ConnectToMount(mountPoint, MountRegistry(), error, status);
}

NtStatus QueryDeviceStack(ControlClient& client, DeviceStackView* stack, std::string* error) {
  Json response;
  if (NtStatus s = CallOk(client, {{"cmd", "devstack"}}, &response, error); !NtSuccess(s)) {
    return s;
  }
  return DecodeDeviceStack(response, stack, error) ? NtStatus::Success : NtStatus::DataError;
}

NtStatus QueryDriver(ControlClient& client, const std::string& driver, DriverView* view,
                     std::string* error) {
  Json response;
  Json request{{"cmd", "drvobj"}, {"driver", driver}};
  if (NtStatus s = CallOk(client, request, &response, error); !NtSuccess(s)) return s;
  return DecodeDriverView(response, view, error) ? NtStatus::Success : NtStatus::DataError;
}

std::vector<VolumeTreeEntry> CollectDeviceTree(const std::vector<MountRecord>& mounts) {
  std::vector<VolumeTreeEntry> volumes;
  for (const MountRecord& mount : mounts) {
    VolumeTreeEntry entry;
    entry.mount = mount;
    std::string error;
    auto client = ControlClient::Connect(mount.socketPath, &error);
    DeviceStackView stack;
    if (client && NtSuccess(QueryDeviceStack(*client, &stack, &error))) {
      entry.devices = std::move(stack.devices);
    } else {
      entry.error = error;
    }
    volumes.push_back(std::move(entry));
  }
  return volumes;
}

}  // namespace irpfs::control
