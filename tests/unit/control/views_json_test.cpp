#include "control/views_json.h"

#include <gtest/gtest.h>

namespace irpfs::control {
namespace {

TEST(ViewsJsonTest, DeviceStackRoundTripAndShape) {
  DeviceStackView stack{"/mnt/m",
                        {{"trace", "trace0", "FILE_DEVICE_FILTER", 385000, 4, 2},
                         {"memfs", "memfs0", "FILE_DEVICE_DISK_FILE_SYSTEM", 0, 0, 1}}};
  Json json = EncodeDeviceStack(stack);
  EXPECT_EQ(json.dump(),
            "{\"devices\":[{\"altitude\":385000,\"device\":\"trace0\",\"driver\":\"trace\","
            "\"flags\":4,\"stack_size\":2,\"type\":\"FILE_DEVICE_FILTER\"},{\"altitude\":0,"
            "\"device\":\"memfs0\",\"driver\":\"memfs\",\"flags\":0,\"stack_size\":1,\"type\":"
            "\"FILE_DEVICE_DISK_FILE_SYSTEM\"}],\"mount_point\":\"/mnt/m\"}");
  // As a response: "ok" and "id" beside the view's members are ignored.
  json["ok"] = true;
  json["id"] = 5;
  DeviceStackView back;
  std::string error;
  ASSERT_TRUE(DecodeDeviceStack(json, &back, &error)) << error;
  ASSERT_EQ(back.devices.size(), 2u);
  EXPECT_EQ(back.mountPoint, "/mnt/m");
  EXPECT_EQ(back.devices[0].driver, "trace");
  EXPECT_EQ(back.devices[0].altitude, 385000u);
  EXPECT_EQ(back.devices[0].flags, 4u);
  EXPECT_EQ(back.devices[0].stackSize, 2);
  EXPECT_EQ(back.devices[1].type, "FILE_DEVICE_DISK_FILE_SYSTEM");
}

TEST(ViewsJsonTest, DeviceStackRejectsBadShapes) {
  DeviceStackView back;
  std::string error;
  EXPECT_FALSE(DecodeDeviceStack(Json{{"ok", true}}, &back, &error));
  EXPECT_FALSE(DecodeDeviceStack(Json{{"devices", {{{"driver", 1}}}}}, &back, &error));
  EXPECT_NE(error.find("bad devstack response"), std::string::npos);
}

TEST(ViewsJsonTest, DriverViewRoundTripAndShape) {
  DriverView driver{"memfs", {"memfs0"}, {{0, true, "Create"}, {1, false, ""}}};
  Json json = EncodeDriverView(driver);
  EXPECT_EQ(json, Json::parse(R"({"driver":"memfs","devices":["memfs0"],"dispatch":[
      {"major":0,"name":"IRP_MJ_CREATE","handled":true,"handler":"Create"},
      {"major":1,"name":"IRP_MJ_CREATE_NAMED_PIPE","handled":false}]})"));
  DriverView back;
  std::string error;
  ASSERT_TRUE(DecodeDriverView(json, &back, &error)) << error;
  EXPECT_EQ(back.name, "memfs");
  EXPECT_EQ(back.devices, (std::vector<std::string>{"memfs0"}));
  ASSERT_EQ(back.dispatch.size(), 2u);
  EXPECT_TRUE(back.dispatch[0].handled);
  EXPECT_EQ(back.dispatch[0].handler, "Create");
  EXPECT_FALSE(back.dispatch[1].handled);
  json["dispatch"][1]["major"] = 200;
  EXPECT_FALSE(DecodeDriverView(json, &back, &error));
}

}  // namespace
}  // namespace irpfs::control
