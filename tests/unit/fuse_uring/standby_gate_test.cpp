// The standby gate (standby_gate.h) on a real mount of memfs (root, two CPUs): a serial
// caller leaves the standbys parked, many callers at once open the gate, a request that
// holds the only reading worker does not hold up the others, and unmounting with the
// standbys parked ends every worker.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/aio_abi.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/io_manager.h"
#include "memfs_mount.h"
#include "transport/fuse/standby_gate.h"

namespace irpfs::fuse::testing {
namespace {

using namespace std::chrono_literals;

// A filter that holds every open of a file named "held" in its dispatch routine, on the
// worker's own thread, until the test lets go: a driver stuck in a slow call.
struct HoldingExtension {
  DeviceObject* lower = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  int holding = 0;
};

NtStatus HoldOrPass(DeviceObject* device, Irp* irp) {
  auto* ext = device->Extension<HoldingExtension>();
  IoStackLocation* stack = IoGetCurrentIrpStackLocation(irp);
  const bool opens =
      stack->majorFunction == IrpMajor::Create || stack->majorFunction == IrpMajor::QueryOpen;
  const std::string name = stack->fileObject != nullptr ? stack->fileObject->fileName : "";
  if (opens && name.size() >= 4 && name.compare(name.size() - 4, 4, "held") == 0) {
    std::unique_lock lock(ext->mu);
    ++ext->holding;
    ext->cv.notify_all();
    ext->cv.wait(lock, [&] { return ext->released; });
    --ext->holding;
  }
  IoSkipCurrentIrpStackLocation(irp);
  return IoCallDriver(ext->lower, irp);
}

NtStatus HoldingEntry(DriverObject* driver, std::string_view) {
  for (DispatchRoutine& routine : driver->majorFunction) routine = &HoldOrPass;
  return NtStatus::Success;
}

class StandbyGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || ::access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root and /dev/fuse";
    }
    if (UsableCpus() < 2) GTEST_SKIP() << "workers do not poll with one usable CPU";
  }
  void TearDown() override {
    fs_.mount().Unmount();  // no IRP goes through the filter after this
    if (filter_ != nullptr) {
      IoDetachDevice(fs_.volume());
      IoDeleteDevice(filter_);
    }
    if (filterDriver_ != nullptr) IoUnloadDriver(filterDriver_);
    fs_.Unmount();
  }

  // withHoldingFilter: the filter goes on the volume before the mount, while no IRP
  // can be on its way through the stack.
  void MountUncached(bool gate = true, bool withHoldingFilter = false) {
    std::string error;
    ASSERT_TRUE(fs_.CreateUncached(&error)) << error;
    if (withHoldingFilter) AttachHoldingFilter();
    FuseMountOptions options;
    options.channel.threads = 4;
    options.channel.standbyGate = gate;
    ASSERT_TRUE(fs_.Mount(options, &error)) << error;
  }

  void AttachHoldingFilter() {
    ASSERT_EQ(IoCreateDriver("holding", &HoldingEntry, "", &filterDriver_), NtStatus::Success);
    ASSERT_EQ(IoCreateDevice(filterDriver_, DeviceType::Filter, "holding0", 0, &filter_),
              NtStatus::Success);
    holding_ = &filter_->CreateExtension<HoldingExtension>();
    holding_->lower = IoAttachDeviceToDeviceStack(filter_, fs_.volume());
    ASSERT_NE(holding_->lower, nullptr);
  }

  // `count` stats of one file, one after another (each a request: nothing is cached).
  void SerialStats(const std::string& path, int count) {
    for (int i = 0; i < count; ++i) {
      struct stat st {};
      ASSERT_EQ(stat(path.c_str(), &st), 0) << std::strerror(errno);
    }
  }

  // Serial traffic until every standby is parked; false if they never all were.
  bool SettleParked() {
    const std::string path = fs_.Path("settle");
    int fd = open(path.c_str(), O_CREAT | O_WRONLY, 0644);
    if (fd < 0) return false;
    close(fd);
    const StandbyGate* gate = fs_.channel().standbyGate();
    const unsigned standbys = static_cast<unsigned>(fs_.channel().WorkerCount()) - 1;
    for (int round = 0; round < 50; ++round) {
      SerialStats(path, 200);
      if (gate->ParkedCount() == standbys) return true;
    }
    return false;
  }

  static std::string Describe(const StandbyGate& gate) {
    return "open " + std::to_string(gate.IsOpen()) + ", parked " +
           std::to_string(gate.ParkedCount()) + ", opened for callers " +
           std::to_string(gate.Openings(StandbyGate::Reason::kCallers)) + ", for a deep queue " +
           std::to_string(gate.Openings(StandbyGate::Reason::kDeepQueue)) + ", for a stall " +
           std::to_string(gate.Openings(StandbyGate::Reason::kStall)) + ", closed " +
           std::to_string(gate.Closings()) + ", standby requests " +
           std::to_string(gate.StandbyRequests());
  }

  MemfsMount fs_;
  DriverObject* filterDriver_ = nullptr;
  DeviceObject* filter_ = nullptr;
  HoldingExtension* holding_ = nullptr;
};

TEST_F(StandbyGateTest, ASerialCallerLeavesTheStandbysParked) {
  MountUncached();
  const StandbyGate* gate = fs_.channel().standbyGate();
  ASSERT_NE(gate, nullptr);
  ASSERT_EQ(fs_.channel().WorkerCount(), 4u);
  ASSERT_TRUE(SettleParked()) << Describe(*gate);
  // Parked, they take no more requests: the lead serves the serial caller alone.
  const uint64_t before = gate->StandbyRequests();
  SerialStats(fs_.Path("settle"), 2000);
  EXPECT_EQ(gate->StandbyRequests(), before);
  EXPECT_EQ(gate->ParkedCount(), 3u);
}

TEST_F(StandbyGateTest, OffMeansNoGate) {
  MountUncached(/*gate=*/false);
  EXPECT_EQ(fs_.channel().standbyGate(), nullptr);
  SerialStats(fs_.Path(""), 100);
}

TEST_F(StandbyGateTest, ManyCallersAtOnceOpenTheGate) {
  MountUncached();
  const StandbyGate* gate = fs_.channel().standbyGate();
  ASSERT_NE(gate, nullptr);
  ASSERT_TRUE(SettleParked()) << Describe(*fs_.channel().standbyGate());
  const uint64_t before = gate->StandbyRequests();
  // Until the standbys served some: the gate may open as a round ends.
  for (int round = 0; round < 20 && gate->StandbyRequests() == before; ++round) {
    std::vector<std::thread> callers;
    for (int t = 0; t < 16; ++t) {
      callers.emplace_back([this] { SerialStats(fs_.Path("settle"), 300); });
    }
    for (auto& caller : callers) caller.join();
  }
  EXPECT_GT(gate->Openings(StandbyGate::Reason::kCallers), 0u);
  EXPECT_GT(gate->StandbyRequests(), before);
}

// One caller with many requests in flight (Linux AIO on an O_DIRECT file: the kernel
// sends them all at once, all from the caller's pid): the watchdog sees the kernel's
// queue stay deep (fusectl's `waiting`) and lets the standbys in.
TEST_F(StandbyGateTest, OneCallerWithManyRequestsInFlightOpensTheGate) {
  MountUncached();
  const StandbyGate* gate = fs_.channel().standbyGate();
  ASSERT_NE(gate, nullptr);
  if (::access("/sys/fs/fuse/connections/", R_OK) != 0) GTEST_SKIP() << "no fusectl";
  ASSERT_TRUE(SettleParked()) << Describe(*gate);
  constexpr int kDepth = 16;
  constexpr size_t kBlock = 4096;
  const std::string path = fs_.Path("aio.dat");
  {
    std::string data(kDepth * kBlock, 'a');
    int fd = open(path.c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    close(fd);
  }
  int fd = open(path.c_str(), O_RDONLY | O_DIRECT);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  aio_context_t context = 0;
  ASSERT_EQ(syscall(SYS_io_setup, kDepth, &context), 0) << std::strerror(errno);
  void* buffers = nullptr;
  ASSERT_EQ(posix_memalign(&buffers, kBlock, kDepth * kBlock), 0);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (gate->Openings(StandbyGate::Reason::kDeepQueue) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    iocb blocks[kDepth] = {};
    iocb* list[kDepth];
    for (int i = 0; i < kDepth; ++i) {
      blocks[i].aio_fildes = static_cast<uint32_t>(fd);
      blocks[i].aio_lio_opcode = IOCB_CMD_PREAD;
      blocks[i].aio_buf = reinterpret_cast<uint64_t>(static_cast<char*>(buffers) + i * kBlock);
      blocks[i].aio_nbytes = kBlock;
      blocks[i].aio_offset = static_cast<int64_t>(i * kBlock);
      list[i] = &blocks[i];
    }
    ASSERT_EQ(syscall(SYS_io_submit, context, kDepth, list), kDepth) << std::strerror(errno);
    io_event events[kDepth];
    ASSERT_EQ(syscall(SYS_io_getevents, context, kDepth, kDepth, events, nullptr), kDepth);
    for (const io_event& event : events) ASSERT_EQ(event.res, static_cast<int64_t>(kBlock));
  }
  syscall(SYS_io_destroy, context);
  free(buffers);
  close(fd);
  EXPECT_GT(gate->Openings(StandbyGate::Reason::kDeepQueue), 0u) << Describe(*gate);
}

// The lead is held in a driver; with every standby parked, only the stall check can get
// the next request read. Without it the stat below would wait for the release forever.
TEST_F(StandbyGateTest, AHeldLeadDoesNotHoldUpOtherRequests) {
  MountUncached(/*gate=*/true, /*withHoldingFilter=*/true);
  ASSERT_NE(holding_, nullptr);
  const StandbyGate* gate = fs_.channel().standbyGate();
  ASSERT_NE(gate, nullptr);
  ASSERT_TRUE(SettleParked()) << Describe(*fs_.channel().standbyGate());
  auto held = std::async(std::launch::async, [this] {
    struct stat st {};
    return stat(fs_.Path("held").c_str(), &st) == 0 ? 0 : errno;
  });
  {
    std::unique_lock lock(holding_->mu);
    ASSERT_TRUE(holding_->cv.wait_for(lock, 10s, [&] { return holding_->holding == 1; }));
  }
  auto other = std::async(std::launch::async, [this] {
    struct stat st {};
    return stat(fs_.Path("settle").c_str(), &st) == 0 ? 0 : errno;
  });
  const bool served = other.wait_for(30s) == std::future_status::ready;
  {
    std::lock_guard lock(holding_->mu);
    holding_->released = true;
  }
  holding_->cv.notify_all();
  ASSERT_TRUE(served) << "a request waited behind the held one";
  EXPECT_EQ(other.get(), 0);
  EXPECT_EQ(held.get(), ENOENT);
  EXPECT_GT(gate->Openings(StandbyGate::Reason::kStall), 0u);
}

TEST_F(StandbyGateTest, UnmountWithTheStandbysParkedEndsEveryWorker) {
  MountUncached();
  ASSERT_TRUE(SettleParked()) << Describe(*fs_.channel().standbyGate());
  fs_.Unmount();
  SUCCEED();  // Unmount joins every worker; a parked one left behind would hang here
}

}  // namespace
}  // namespace irpfs::fuse::testing
