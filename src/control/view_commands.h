// The mount's side of the view commands (devstack, drvobj), registered in one call each,
// so that every mount answers them in the same shape (docs/control-protocol.md).
//
//   RegisterDevStack(server, [&] {
//     return DeviceStackView{mountPoint, DeviceRowsOf(volumeStack.Describe())};
//   });
//   RegisterDrvObj(server, [&](const std::string& name) -> std::optional<DriverView> {
//     if (DriverObject* d = FindLoadedDriver(name)) return SnapshotDriver(*d);
//     return std::nullopt;
//   });
//
// The callbacks run on the server's thread.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "control/control_server.h"
#include "control/views.h"

namespace irpfs::control {

void RegisterDevStack(ControlServer& server, std::function<DeviceStackView()> snapshot);

// nullopt from `find`: {"ok":false,"error":"no driver named NAME"}.
void RegisterDrvObj(ControlServer& server,
                    std::function<std::optional<DriverView>(const std::string& name)> find);

}  // namespace irpfs::control
