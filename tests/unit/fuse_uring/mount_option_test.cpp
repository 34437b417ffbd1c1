// `irpfs mount -o uring` asks the channel for io_uring and lets the mount enable it.
#include <gtest/gtest.h>

#include <string>

#include "tools/mount_plan.h"

namespace irpfs::tools {
namespace {

TEST(UringMountOption, SetsTheChannelAndKernelSwitch) {
  MountPlan plan;
  std::string error;
  EXPECT_FALSE(plan.fuse.channel.useUring);
  ASSERT_TRUE(ApplyMountOption("uring", &plan, &error)) << error;
  EXPECT_TRUE(plan.fuse.channel.useUring);
  EXPECT_TRUE(plan.fuse.enableKernelUring);
}

TEST(UringMountOption, TakesNoValue) {
  MountPlan plan;
  std::string error;
  EXPECT_FALSE(ApplyMountOption("uring=1", &plan, &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace irpfs::tools
