// The stats filter: counts, errors, bytes and histograms match the IRPs sent.
#include <nlohmann/json.hpp>

#include "drivers/filters/faults/faults_filter.h"
#include "drivers/filters/readonly/readonly_filter.h"
#include "drivers/filters/stats/stats_filter.h"
#include "stack_env.h"

namespace irpfs::testing {
namespace {

using stats::MajorSnapshot;

TEST(StatsTest, CountsMatchTheIrpsSent) {
  StackEnv env;
  DriverObject* driver = env.Load("stats", stats::StatsDriverEntry);
  DeviceObject* filter = nullptr;
  ASSERT_EQ(env.stack().Attach(driver, "", altitude::kStats, &filter), NtStatus::Success);
  std::shared_ptr<stats::StatsCounters> counters = stats::StatsGetCounters(filter);
  ASSERT_NE(counters, nullptr);

  FileObject* fo = env.MustOpen("/f");  // CREATE 1
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(env.Write(fo, i * 10, "0123456789"), NtStatus::Success);  // WRITE 5, 50 bytes
  }
  std::string data;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(env.Read(fo, 0, 20, &data), NtStatus::Success);  // 60
  FileObject* missing = nullptr;
  EXPECT_EQ(env.Open("/nope", access::kGenericRead, CreateDisposition::Open, &missing),
            NtStatus::ObjectNameNotFound);  // CREATE 2, an error
  env.Close(fo);                            // CLEANUP 1, CLOSE 1

  stats::StatsSnapshot s = counters->Snapshot();
  const MajorSnapshot& create = s.majors[static_cast<int>(IrpMajor::Create)];
  const MajorSnapshot& write = s.majors[static_cast<int>(IrpMajor::Write)];
  const MajorSnapshot& read = s.majors[static_cast<int>(IrpMajor::Read)];
  EXPECT_EQ(create.count, 2u);
  EXPECT_EQ(create.errors, 1u);
  EXPECT_EQ(write.count, 5u);
  EXPECT_EQ(write.bytes, 50u);
  EXPECT_EQ(write.errors, 0u);
  EXPECT_EQ(read.count, 3u);
  EXPECT_EQ(read.bytes, 60u);
  EXPECT_EQ(s.majors[static_cast<int>(IrpMajor::Cleanup)].count, 1u);
  EXPECT_EQ(s.majors[static_cast<int>(IrpMajor::Close)].count, 1u);
  EXPECT_EQ(s.TotalCount(), 12u);
  uint64_t inHistogram = 0;
  for (uint64_t n : write.buckets) inHistogram += n;
  EXPECT_EQ(inHistogram, 5u);
  EXPECT_GE(write.maxNs, write.totalNs / write.count);
  EXPECT_GT(write.PercentileNs(0.99), 0u);

  std::string text = stats::FormatStatsText(s);
  EXPECT_NE(text.find("IRP_MJ_WRITE"), std::string::npos) << text;
  EXPECT_EQ(text.find("IRP_MJ_SET_INFORMATION"), std::string::npos) << text;
  nlohmann::json json = nlohmann::json::parse(stats::FormatStatsJson(s));
  ASSERT_EQ(json["majors"].size(), 5u);
  for (const auto& m : json["majors"]) {
    if (m["major"] == "IRP_MJ_READ") {
      EXPECT_EQ(m["count"], 3);
      EXPECT_EQ(m["bytes"], 60);
      uint64_t total = 0;
      for (const auto& b : m["histogram"]) total += b["count"].get<uint64_t>();
      EXPECT_EQ(total, 3u);
    }
  }
  counters->Reset();
  EXPECT_EQ(counters->Snapshot().TotalCount(), 0u);
}

TEST(StatsTest, SeesFaultsBelowItButNotWhatIsRefusedAboveIt) {
  StackEnv env;
  ASSERT_EQ(env.stack().Attach(env.Load("stats", stats::StatsDriverEntry), "", altitude::kStats),
            NtStatus::Success);
  ASSERT_EQ(env.stack().Attach(env.Load("faults", faults::FaultsDriverEntry),
                               "op=write,status=EIO,count=1", altitude::kFaults),
            NtStatus::Success);
  std::shared_ptr<stats::StatsCounters> counters;
  {
    RundownReference ref = env.stack().Acquire();
    counters = stats::StatsFindCounters(env.volume());
  }
  ASSERT_NE(counters, nullptr);
  FileObject* fo = env.MustOpen("/f");
  EXPECT_EQ(StatusToErrno(env.Write(fo, 0, "abc")), EIO);
  EXPECT_EQ(env.Write(fo, 0, "abc"), NtStatus::Success);
  // A readonly filter above stats refuses writes before stats sees them.
  ASSERT_EQ(env.stack().Attach(env.Load("readonly", readonly::ReadonlyDriverEntry), "",
                               altitude::kStats + 1),
            NtStatus::Success);
  EXPECT_EQ(env.Write(fo, 0, "abc"), NtStatus::MediaWriteProtected);
  stats::StatsSnapshot snapshot = counters->Snapshot();
  const MajorSnapshot& write = snapshot.majors[static_cast<int>(IrpMajor::Write)];
  EXPECT_EQ(write.count, 2u);
  EXPECT_EQ(write.errors, 1u);
  EXPECT_EQ(write.bytes, 3u);
  env.Close(fo);
}

TEST(StatsCountersTest, BucketsAreLog2) {
  EXPECT_EQ(stats::LatencyBucket(0), 0);
  EXPECT_EQ(stats::LatencyBucket(1), 0);
  EXPECT_EQ(stats::LatencyBucket(2), 1);
  EXPECT_EQ(stats::LatencyBucket(1023), 9);
  EXPECT_EQ(stats::LatencyBucket(1024), 10);
  EXPECT_EQ(stats::LatencyBucket(UINT64_MAX), stats::kLatencyBuckets - 1);
  stats::StatsCounters counters;
  counters.Record(IrpMajor::Read, NtStatus::Success, 10, 1500);
  counters.Record(IrpMajor::Read, NtStatus::Cancelled, 0, 3000);
  MajorSnapshot read = counters.Snapshot().majors[static_cast<int>(IrpMajor::Read)];
  EXPECT_EQ(read.count, 2u);
  EXPECT_EQ(read.errors, 1u);
  EXPECT_EQ(read.buckets[10], 1u);  // 1500 ns in [1024, 2048)
  EXPECT_EQ(read.buckets[11], 1u);  // 3000 ns in [2048, 4096)
  EXPECT_EQ(read.PercentileNs(0.5), 2048u);
  EXPECT_EQ(read.maxNs, 3000u);
}

}  // namespace
}  // namespace irpfs::testing
