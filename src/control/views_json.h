// The views of views.h as the members of control responses (docs/control-protocol.md):
// the mount serves Encode*(...) through CommandReply::Ok, the tool decodes the response
// (extra members such as "ok" and "id" are ignored) and renders it.
#pragma once

#include <string>

#include "control/json.h"
#include "control/views.h"

namespace irpfs::control {

// {"mount_point": "...", "devices": [{"driver","device","type","altitude","flags",
//  "stack_size"}, ...]}
Json EncodeDeviceStack(const DeviceStackView& stack);
bool DecodeDeviceStack(const Json& json, DeviceStackView* stack, std::string* error);

// {"driver": "...", "devices": ["..."], "dispatch": [{"major": 0, "name":
//  "IRP_MJ_CREATE", "handled": true, "handler": "..."}, ...]}
Json EncodeDriverView(const DriverView& driver);
bool DecodeDriverView(const Json& json, DriverView* driver, std::string* error);

}  // namespace irpfs::control
