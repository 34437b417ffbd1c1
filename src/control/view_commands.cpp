#include "control/view_commands.h"

#include <utility>

#include "control/views_json.h"

namespace irpfs::control {

void RegisterDevStack(ControlServer& server, std::function<DeviceStackView()> snapshot) {
  server.Register("devstack", [snapshot = std::move(snapshot)](const Json&) {
    return CommandReply::Ok(EncodeDeviceStack(snapshot()));
  });
}

void RegisterDrvObj(ControlServer& server,
                    std::function<std::optional<DriverView>(const std::string& name)> find) {
  server.Register("drvobj", [find = std::move(find)](const Json& request) {
    if (!request.contains("driver") || !request["driver"].is_string()) {
      return CommandReply::Fail("drvobj needs a string \"driver\"");
    }
    std::string name = request["driver"].get<std::string>();
    std::optional<DriverView> view = find(name);
    if (!view) return CommandReply::Fail("no driver named " + name);
    return CommandReply::Ok(EncodeDriverView(*view));
  });
}

}  // namespace irpfs::control
