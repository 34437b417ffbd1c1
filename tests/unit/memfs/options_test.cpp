#include <gtest/gtest.h>

#include "drivers/memfs/memfs_options.h"

namespace irpfs::memfs {
namespace {

TEST(MemfsOptionsTest, EmptyTextGivesDefaults) {
  MemfsOptions options;
  ASSERT_EQ(ParseMemfsOptions("", &options), NtStatus::Success);
  EXPECT_EQ(options.capacityBytes, uint64_t{1} << 30);
  EXPECT_EQ(options.label, "memfs");
}

TEST(MemfsOptionsTest, ParsesSizesCountsAndText) {
  MemfsOptions options;
  ASSERT_EQ(
      ParseMemfsOptions("capacity=64M,inodes=10000,label=scratch,mode=1777,uid=5,gid=6", &options),
      NtStatus::Success);
  EXPECT_EQ(options.capacityBytes, 64u << 20);
  EXPECT_EQ(options.maxInodes, 10000u);
  EXPECT_EQ(options.label, "scratch");
  EXPECT_EQ(options.rootMode, 01777u);
  EXPECT_EQ(options.rootUid, 5);
  EXPECT_EQ(options.rootGid, 6);
  ASSERT_EQ(ParseMemfsOptions("capacity=3g", &options), NtStatus::Success);
  EXPECT_EQ(options.capacityBytes, uint64_t{3} << 30);
  ASSERT_EQ(ParseMemfsOptions("capacity=12345", &options), NtStatus::Success);
  EXPECT_EQ(options.capacityBytes, 12345u);
  ASSERT_EQ(ParseMemfsOptions("capacity=2T", &options), NtStatus::Success);
  EXPECT_EQ(options.capacityBytes, uint64_t{2} << 40);
}

TEST(MemfsOptionsTest, BadTextIsInvalidAndChangesNothing) {
  for (const char* bad :
       {"capacity=", "capacity=0", "capacity=12X", "capacity=-1", "capacity=99999999999T",
        "inodes=many", "inodes=0", "color=blue", "capacity", "mode=9", "mode=77777", "uid=-3",
        "label=", "capacity=1M,bogus=1"}) {
    MemfsOptions options;
    options.capacityBytes = 42;
    EXPECT_EQ(ParseMemfsOptions(bad, &options), NtStatus::InvalidParameter) << bad;
    EXPECT_EQ(options.capacityBytes, 42u) << bad;
  }
}

}  // namespace
}  // namespace irpfs::memfs
