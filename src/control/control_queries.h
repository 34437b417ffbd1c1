// The tool's side of the commands that return views: one call each, from a mount point or
// a connected client to decoded view data ready for views.h's renderers.
//
//   std::string error;
//   auto client = ConnectToMount("/mnt/m", &error);       // registry lookup + connect
//   DeviceStackView stack;
//   if (client && NtSuccess(QueryDeviceStack(*client, &stack, &error)))
//     fputs(RenderDevStack(stack).c_str(), stdout);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "control/control_client.h"
#include "control/mount_registry.h"
#include "control/views.h"
#include "core/status.h"

namespace irpfs::control {

// Finds the live mount at `mountPoint` in `registry` (the path is made absolute and
// resolved with realpath(3) when it exists) and connects to its socket.
// STATUS_OBJECT_NAME_NOT_FOUND when no irpfs mount is registered there.
std::unique_ptr<ControlClient> ConnectToMount(const std::string& mountPoint,
                                              const MountRegistry& registry, std::string* error,
                                              NtStatus* status = nullptr);
std::unique_ptr<ControlClient> ConnectToMount(const std::string& mountPoint, std::string* error,
                                              NtStatus* status = nullptr);

// {"cmd":"devstack"}.
NtStatus QueryDeviceStack(ControlClient& client, DeviceStackView* stack, std::string* error);
// {"cmd":"drvobj","driver":name}.
NtStatus QueryDriver(ControlClient& client, const std::string& driver, DriverView* view,
                     std::string* error);

// The stack of every mount in `mounts`, asked over each one's socket; a mount that does
// not answer gets its error instead of devices.
std::vector<VolumeTreeEntry> CollectDeviceTree(const std::vector<MountRecord>& mounts);

}  // namespace irpfs::control
