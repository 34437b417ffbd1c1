#include "drivers/filters/trace/process_name_cache.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace irpfs::trace {
namespace {

std::string CommOf(const std::string& path) {
  std::ifstream comm(path);
  std::string name;
  std::getline(comm, name);
  return name;
}

TEST(ProcessNameCache, NamesThisProcess) {
  ProcessNameCache cache;
  FixedText<16> name;
  cache.Lookup(getpid(), 0, &name);
  EXPECT_EQ(name.view(), CommOf("/proc/self/comm"));
  cache.Lookup(getpid(), 1, &name);  // a hit gives the same
  EXPECT_EQ(name.view(), CommOf("/proc/self/comm"));
}

TEST(ProcessNameCache, NoPidOrGoneProcessIsEmpty) {
  ProcessNameCache cache;
  FixedText<16> name;
  name.Assign("stale");
  cache.Lookup(0, 0, &name);
  EXPECT_TRUE(name.empty());
  name.Assign("stale");
  cache.Lookup(0x3ffffffe, 0, &name);  // above any pid_max
  EXPECT_TRUE(name.empty());
}

TEST(ProcessNameCache, RereadsAfterTheMaximumAge) {
  // /proc/<pid>/comm is the main thread's name; gtest runs tests on the main thread.
  // Rename it and watch the cache notice only once its entry is old enough.
  char original[17] = {};
  ASSERT_EQ(prctl(PR_GET_NAME, original), 0);
  ProcessNameCache cache;
  FixedText<16> name;
  cache.Lookup(getpid(), 0, &name);
  ASSERT_EQ(name.view(), original);
  ASSERT_EQ(prctl(PR_SET_NAME, "renamed-proc"), 0);
  cache.Lookup(getpid(), ProcessNameCache::kMaxAgeNs, &name);
  EXPECT_EQ(name.view(), original);  // still cached
  cache.Lookup(getpid(), ProcessNameCache::kMaxAgeNs + 1, &name);
  EXPECT_EQ(name.view(), "renamed-proc");
  ASSERT_EQ(prctl(PR_SET_NAME, original), 0);
}

}  // namespace
}  // namespace irpfs::trace
