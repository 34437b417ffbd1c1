// Attach and detach on a live volume: 4 threads write and read back with verification
// (opening and closing files too) while filters come and go; no IRP may fail.
#include <atomic>
#include <chrono>
#include <thread>

#include "drivers/filters/faults/faults_filter.h"
#include "drivers/filters/stats/stats_filter.h"
#include "stack_env.h"

namespace irpfs::testing {
namespace {

using namespace std::chrono_literals;

std::string Block(int thread, int iteration) {
  std::string block(512, '\0');
  for (size_t i = 0; i < block.size(); ++i) {
    block[i] = static_cast<char>('A' + (thread * 7 + iteration * 13 + static_cast<int>(i)) % 26);
  }
  return block;
}

TEST(LiveChangeTest, AttachAndDetachWhileIoRunsAndNothingFails) {
  StackEnv env;
  DriverObject* stats = env.Load("stats", stats::StatsDriverEntry);
  // Reads pend for a moment in the faults filter: changes must wait for pended IRPs too.
  DriverObject* faults = env.Load("faults", faults::FaultsDriverEntry, "latency=read:1ms");
  DriverObject* probe = env.Load("probeA", ProbeDriverEntry);

  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> operations[kThreads] = {};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string path = "/t" + std::to_string(t);
      FileObject* fo = nullptr;
      auto fail = [&](const char* what, NtStatus status) {
        ADD_FAILURE() << "thread " << t << ": " << what << " " << StatusName(status);
        ++failures;
      };
      for (int i = 0; !stop.load() || i < 40; ++i) {
        if (fo == nullptr) {
          NtStatus status = env.Open(path, access::kGenericRead | access::kGenericWrite,
                                     CreateDisposition::OpenIf, &fo);
          if (!NtSuccess(status)) return fail("open", status);
        }
        std::string block = Block(t, i);
        uint64_t offset = (i % 8) * block.size();
        uint64_t written = 0;
        NtStatus status = env.Write(fo, offset, block, &written);
        if (!NtSuccess(status) || written != block.size()) return fail("write", status);
        std::string back;
        status = env.Read(fo, offset, static_cast<uint32_t>(block.size()), &back);
        if (!NtSuccess(status)) return fail("read", status);
        if (back != block) {
          ADD_FAILURE() << "thread " << t << ": data mismatch at iteration " << i;
          ++failures;
          return;
        }
        ++operations[t];
        if (i % 10 == 9) {
          env.Close(fo);
          fo = nullptr;
        }
      }
      if (fo != nullptr) env.Close(fo);
    });
  }

  VolumeStack& stack = env.stack();
  for (int round = 0; round < 12; ++round) {
    ASSERT_EQ(stack.Attach(stats, "", altitude::kStats), NtStatus::Success);
    ASSERT_EQ(stack.Attach(faults, "", altitude::kFaults), NtStatus::Success);
    ASSERT_EQ(stack.Attach(probe, "", 200000), NtStatus::Success);  // in the middle
    std::this_thread::sleep_for(2ms);
    ASSERT_EQ(stack.Detach(round % 2 ? "faults" : "stats"), NtStatus::Success);
    ASSERT_EQ(stack.Detach("probeA"), NtStatus::Success);
    ASSERT_EQ(stack.Detach(round % 2 ? "stats" : "faults"), NtStatus::Success);
  }
  stop = true;
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(stack.generation(), 12u * 6);
  EXPECT_EQ(stack.Describe().size(), 1u);
  for (int t = 0; t < kThreads; ++t) EXPECT_GE(operations[t].load(), 40) << t;
  Probes().Take();
}

}  // namespace
}  // namespace irpfs::testing
