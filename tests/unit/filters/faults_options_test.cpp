// The faults option syntax.
#include <gtest/gtest.h>

#include <cerrno>

#include "drivers/filters/faults/faults_config.h"
#include "drivers/filters/faults/faults_options.h"
#include "drivers/filters/faults/faults_path.h"

namespace irpfs::faults {
namespace {

TEST(FaultsOptionsTest, ParsesTheDocumentedExample) {
  FaultsSettings s;
  std::string error;
  ASSERT_EQ(
      ParseFaultsOptions("op=write,status=EIO,probability=1,count=3,path=*.db;latency=read:50ms;"
                         "enospc_after=1M",
                         &s, &error),
      NtStatus::Success)
      << error;
  ASSERT_EQ(s.rules.size(), 2u);
  EXPECT_EQ(s.rules[0].majors, MajorBit(IrpMajor::Write));
  EXPECT_EQ(s.rules[0].status, ErrnoToStatus(EIO));
  EXPECT_EQ(s.rules[0].count, 3);
  EXPECT_EQ(s.rules[0].path, "*.db");
  EXPECT_EQ(s.rules[1].majors, MajorBit(IrpMajor::Read));
  EXPECT_EQ(s.rules[1].delayNs, 50'000'000u);
  EXPECT_FALSE(s.rules[1].status.has_value());
  EXPECT_EQ(s.enospcAfter, 1 << 20);
}

TEST(FaultsOptionsTest, FormatRoundTrips) {
  FaultsSettings s;
  ASSERT_EQ(ParseFaultsOptions("op=read|IRP_MJ_CREATE,status=STATUS_ACCESS_DENIED,probability="
                               "25%,path=a/*;short=write;delay=1500us;enospc_after=3K;seed=9",
                               &s),
            NtStatus::Success);
  std::string text = FormatFaultsOptions(s);
  EXPECT_EQ(text,
            "op=create|read,status=STATUS_ACCESS_DENIED,probability=0.25,path=a/*;"
            "op=write,short=1;delay=1500us;enospc_after=3072;seed=9");
  FaultsSettings again;
  ASSERT_EQ(ParseFaultsOptions(text, &again), NtStatus::Success);
  EXPECT_EQ(FormatFaultsOptions(again), text);
  EXPECT_EQ(FormatFaultsOptions(FaultsSettings{}), "");
}

TEST(FaultsOptionsTest, StatusNames) {
  NtStatus status;
  ASSERT_TRUE(ParseStatusName("ENOSPC", &status));
  EXPECT_EQ(status, NtStatus::DiskFull);
  ASSERT_TRUE(ParseStatusName("eio", &status));
  EXPECT_EQ(StatusToErrno(status), EIO);
  ASSERT_TRUE(ParseStatusName("STATUS_IO_DEVICE_ERROR", &status));
  EXPECT_EQ(status, NtStatus::IoDeviceError);
  ASSERT_TRUE(ParseStatusName("disk_full", &status));
  EXPECT_EQ(status, NtStatus::DiskFull);
  ASSERT_TRUE(ParseStatusName("0xC00000A2", &status));
  EXPECT_EQ(status, NtStatus::MediaWriteProtected);
  EXPECT_FALSE(ParseStatusName("EWHATEVER", &status));
}

TEST(FaultsOptionsTest, RejectsMistakesAndKeepsTheOldSettings) {
  FaultsSettings s;
  ASSERT_EQ(ParseFaultsOptions("enospc_after=5", &s), NtStatus::Success);
  const char* bad[] = {
      "op=write",                  // no action
      "op=bogus,status=EIO",       // unknown op
      "status=EWHAT",              // unknown status
      "status=STATUS_SUCCESS",     // not an error
      "status=EIO,probability=2",  // out of range
      "status=EIO,count=-1",       // negative
      "latency=read",              // no duration
      "delay=5parsecs",            // bad unit
      "enospc_after=1X",           // bad suffix
      "nonsense=1",                // unknown key
      "status",                    // no '='
  };
  for (const char* text : bad) {
    std::string error;
    EXPECT_EQ(ParseFaultsOptions(text, &s, &error), NtStatus::InvalidParameter) << text;
    EXPECT_FALSE(error.empty()) << text;
    EXPECT_EQ(s.enospcAfter, 5) << text;
  }
}

TEST(FaultsOptionsTest, ConfigCountsAndProbabilities) {
  FaultsConfig config;
  EXPECT_FALSE(config.HasRules());
  ASSERT_EQ(config.Set("op=read,status=EIO,count=2;op=read,short=1,delay=1ms"), NtStatus::Success);
  FaultDecision d = config.Decide(IrpMajor::Read, "");
  EXPECT_TRUE(d.fail);
  EXPECT_TRUE(d.shortTransfer);
  EXPECT_EQ(d.delayNs, 1'000'000u);
  EXPECT_TRUE(config.Decide(IrpMajor::Read, "").fail);
  EXPECT_FALSE(config.Decide(IrpMajor::Read, "").fail);  // count used up
  EXPECT_FALSE(config.Decide(IrpMajor::Write, "").shortTransfer);
  EXPECT_EQ(config.Get().rules[0].count, 0);
  std::string error;
  EXPECT_EQ(config.Set("op=zzz,status=EIO", &error), NtStatus::InvalidParameter);
  EXPECT_TRUE(config.HasRules());  // unchanged
}

TEST(FaultsPathTest, PatternsWithAndWithoutSlash) {
  EXPECT_TRUE(FaultsPathMatches("*.db", "dir/sub/x.db"));
  EXPECT_FALSE(FaultsPathMatches("*.db", "dir/x.db-journal"));
  EXPECT_TRUE(FaultsPathMatches("dir/*", "dir/x.db"));
  EXPECT_TRUE(FaultsPathMatches("/dir/*.db", "dir/x.db"));
  EXPECT_FALSE(FaultsPathMatches("other/*", "dir/x.db"));
}

}  // namespace
}  // namespace irpfs::faults
