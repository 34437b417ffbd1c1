// `irpfs mount -o uring` asks the channel for io_uring and lets the mount enable it;
// `-o spin=USEC` sets how long /dev/fuse workers poll (spin_poller.h); `-o slice=USEC` the
// serving threads' scheduler slice (worker_slice.h).
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

TEST(SpinMountOption, SetsThePollWindow) {
  MountPlan plan;
  std::string error;
  EXPECT_EQ(plan.fuse.channel.spinWindow, fuse::kDefaultSpinWindow);
  ASSERT_TRUE(ApplyMountOption("spin=0", &plan, &error)) << error;
  EXPECT_EQ(plan.fuse.channel.spinWindow.count(), 0);
  ASSERT_TRUE(ApplyMountOption("spin=200", &plan, &error)) << error;
  EXPECT_EQ(plan.fuse.channel.spinWindow.count(), 200);
}

TEST(SpinMountOption, WantsMicrosecondsUpToOneSecond) {
  for (const char* bad : {"spin", "spin=", "spin=fast", "spin=-1", "spin=1000001"}) {
    MountPlan plan;
    std::string error;
    EXPECT_FALSE(ApplyMountOption(bad, &plan, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(SliceMountOption, SetsTheWorkersSchedulerSlice) {
  MountPlan plan;
  std::string error;
  EXPECT_EQ(plan.fuse.channel.workerSlice.count(), 0) << "off unless asked for";
  ASSERT_TRUE(ApplyMountOption("slice=250", &plan, &error)) << error;
  EXPECT_EQ(plan.fuse.channel.workerSlice.count(), 250);
  ASSERT_TRUE(ApplyMountOption("slice=0", &plan, &error)) << error;
  EXPECT_EQ(plan.fuse.channel.workerSlice.count(), 0);
}

TEST(SliceMountOption, WantsWhatTheKernelTakes) {
  // 0 (the kernel's default), else 100 us to 100 ms.
  for (const char* bad : {"slice", "slice=", "slice=short", "slice=99", "slice=100001"}) {
    MountPlan plan;
    std::string error;
    EXPECT_FALSE(ApplyMountOption(bad, &plan, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(StandbyGateMountOption, IsOnUnlessTurnedOff) {
  MountPlan plan;
  std::string error;
  EXPECT_TRUE(plan.fuse.channel.standbyGate);
  ASSERT_TRUE(ApplyMountOption("nostandby_gate", &plan, &error)) << error;
  EXPECT_FALSE(plan.fuse.channel.standbyGate);
  ASSERT_TRUE(ApplyMountOption("standby_gate=on", &plan, &error)) << error;
  EXPECT_TRUE(plan.fuse.channel.standbyGate);
  ASSERT_TRUE(ApplyMountOption("standby_gate=off", &plan, &error)) << error;
  EXPECT_FALSE(plan.fuse.channel.standbyGate);
  EXPECT_FALSE(ApplyMountOption("standby_gate=maybe", &plan, &error));
}

}  // namespace
}  // namespace irpfs::tools
