// The JSON type of the control protocol (nlohmann::json), named once for the library.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace irpfs::control {

using Json = nlohmann::json;

// json[key] when json is an object holding a string there, else `fallback` (where
// Json::value would throw on a member of another type).
inline std::string StringMember(const Json& json, std::string_view key,
                                std::string_view fallback = {}) {
  if (!json.is_object()) return std::string(fallback);
  auto it = json.find(key);
  if (it == json.end() || !it->is_string()) return std::string(fallback);
  return it->get<std::string>();
}

}  // namespace irpfs::control
