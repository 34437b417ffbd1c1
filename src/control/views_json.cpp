#include "control/views_json.h"

#include <utility>

#include "core/irp_codes.h"

namespace irpfs::control {

Json EncodeDeviceStack(const DeviceStackView& stack) {
  Json devices = Json::array();
  for (const DeviceRow& row : stack.devices) {
    devices.push_back(Json{{"driver", row.driver},
                           {"device", row.device},
                           {"type", row.type},
                           {"altitude", row.altitude},
                           {"flags", row.flags},
                           {"stack_size", row.stackSize}});
  }
  return Json{{"mount_point", stack.mountPoint}, {"devices", std::move(devices)}};
}

bool DecodeDeviceStack(const Json& json, DeviceStackView* stack, std::string* error) {
  try {
    DeviceStackView out;
    out.mountPoint = StringMember(json, "mount_point");
    for (const Json& device : json.at("devices")) {
      DeviceRow row;
      row.driver = device.at("driver").get<std::string>();
      row.device = device.at("device").get<std::string>();
      row.type = StringMember(device, "type");
      row.altitude = device.value("altitude", uint32_t{0});
      row.flags = device.value("flags", uint32_t{0});
      row.stackSize = device.value("stack_size", 1);
      out.devices.push_back(std::move(row));
    }
    *stack = std::move(out);
    return true;
  } catch (const Json::exception& e) {
    *error = std::string("bad devstack response: ") + e.what();
    return false;
  }
}

Json EncodeDriverView(const DriverView& driver) {
  Json dispatch = Json::array();
  for (const DispatchRow& row : driver.dispatch) {
    Json entry{{"major", row.major},
               {"name", IrpMajorName(static_cast<IrpMajor>(row.major))},
               {"handled", row.handled}};
    if (row.handled) entry["handler"] = row.handler;
    dispatch.push_back(std::move(entry));
  }
  return Json{{"driver", driver.name}, {"devices", driver.devices}, {"dispatch", dispatch}};
}

bool DecodeDriverView(const Json& json, DriverView* driver, std::string* error) {
  try {
    DriverView out;
    out.name = json.at("driver").get<std::string>();
    out.devices = json.value("devices", std::vector<std::string>{});
    for (const Json& entry : json.at("dispatch")) {
      DispatchRow row;
      int major = entry.at("major").get<int>();
      if (major < 0 || major >= kIrpMajorCount) {
        *error = "bad drvobj response: major function " + std::to_string(major);
        return false;
      }
      row.major = static_cast<uint8_t>(major);
      row.handled = entry.at("handled").get<bool>();
      row.handler = StringMember(entry, "handler");
      out.dispatch.push_back(std::move(row));
    }
    *driver = std::move(out);
    return true;
  } catch (const Json::exception& e) {
    *error = std::string("bad drvobj response: ") + e.what();
    return false;
  }
}

}  // namespace irpfs::control
