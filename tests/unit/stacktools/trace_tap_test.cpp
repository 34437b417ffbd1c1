// Two `irpfs trace` clients of one mount: the daemon's TraceTap is the trace ring's only
// reader and hands every record to every subscriber, so neither client misses what the
// other got (a second reader draining the ring would split the records between them).
#include "tools/trace_tap.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "control/json.h"
#include "control/stream_sink.h"
#include "core/io_manager.h"
#include "drivers/filters/trace/trace_filter.h"
#include "drivers/memfs/memfs.h"
#include "fsclass/fs_class_driver.h"
#include "transport/inproc/client.h"

namespace irpfs::tools {
namespace {

// What a sink has queued, read as it comes: the sequence numbers of the JSON events, and
// whether the last record of the test (the CLOSE of /end coming back up) is among them.
class Listener {
 public:
  Listener() : wakeFd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    sink_ = std::make_shared<control::StreamSink>(wakeFd_, 1u << 24);
  }
  ~Listener() {
    sink_->Close();
    if (wakeFd_ >= 0) close(wakeFd_);
  }
  std::shared_ptr<control::StreamSink> sink() const { return sink_; }

  void Take() {
    std::string text;
    bool ended = false;
    sink_->TakeQueued(&text, &ended);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      control::Json event = control::Json::parse(text.substr(start, end - start), nullptr, false);
      start = end + 1;
      if (!event.is_object() || !event.contains("seq")) continue;
      sequences_.insert(event["seq"].get<uint64_t>());
      if (event.value("major", "") == "IRP_MJ_CLOSE" && event.value("phase", "") == "up" &&
          event.value("file", "") == "/end") {
        sawEnd_ = true;
      }
    }
  }
  const std::set<uint64_t>& sequences() const { return sequences_; }
  bool sawEnd() const { return sawEnd_; }

 private:
  int wakeFd_;
  std::shared_ptr<control::StreamSink> sink_;
  std::set<uint64_t> sequences_;
  bool sawEnd_ = false;
};

class TraceTapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(IoCreateDriver("memfs", fsclass::FsClassDriverEntry, "", &memfsDriver_),
              NtStatus::Success);
    ASSERT_EQ(fsclass::FsCreateVolume(memfsDriver_, std::make_shared<memfs::MemFs>(),
                                      {.name = "memfs-tap"}, &volume_),
              NtStatus::Success);
    ASSERT_EQ(IoCreateDriver("trace", trace::TraceDriverEntry, "", &traceDriver_),
              NtStatus::Success);
    stack_ = std::make_unique<VolumeStack>(volume_);
    ASSERT_EQ(stack_->Attach(traceDriver_, "", altitude::kTrace), NtStatus::Success);
    // The trace filter is there from the start: the tap never needs to attach one.
    tap_ = std::make_unique<TraceTap>(
        stack_.get(), [](std::string* why) { return *why = "unexpected", NtStatus::Unsuccessful; },
        [] {});
  }
  void TearDown() override {
    tap_.reset();
    stack_.reset();
    if (volume_ != nullptr) fsclass::FsDeleteVolume(volume_);
    if (traceDriver_ != nullptr) IoUnloadDriver(traceDriver_);
    if (memfsDriver_ != nullptr) IoUnloadDriver(memfsDriver_);
  }

  DriverObject* memfsDriver_ = nullptr;
  DriverObject* traceDriver_ = nullptr;
  DeviceObject* volume_ = nullptr;
  std::unique_ptr<VolumeStack> stack_;
  std::unique_ptr<TraceTap> tap_;
};

TEST_F(TraceTapTest, TwoSubscribersEachGetEveryRecord) {
  Listener first, second;
  std::string error;
  uint64_t firstId = tap_->Subscribe(first.sink(), {.json = true}, &error);
  ASSERT_NE(firstId, 0u) << error;
  uint64_t secondId = tap_->Subscribe(second.sink(), {.json = true}, &error);
  ASSERT_NE(secondId, 0u) << error;

  // Every open, write and close is a few IRPs, each traced down and up.
  {
    inproc::Client client(volume_);
    for (int i = 0; i < 20; ++i) {
      inproc::Handle h = client.CreateFile("/f" + std::to_string(i), access::kGenericWrite,
                                           share::kAll, inproc::CREATE_ALWAYS, 0);
      ASSERT_NE(h, inproc::kInvalidHandleValue);
      uint32_t written = 0;
      ASSERT_TRUE(client.WriteFile(h, "x", 1, &written));
      ASSERT_TRUE(client.CloseHandle(h));
    }
  }
  {
    // The end mark: its CLOSE is the last record this test makes.
    inproc::Client client(volume_);
    inproc::Handle h =
        client.CreateFile("/end", access::kGenericRead, share::kAll, inproc::CREATE_ALWAYS, 0);
    ASSERT_NE(h, inproc::kInvalidHandleValue);
    ASSERT_TRUE(client.CloseHandle(h));
  }

  // The tap polls the ring every 50 ms; records reach each subscriber in order, so one
  // that has the end mark has everything before it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline && !(first.sawEnd() && second.sawEnd())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    first.Take();
    second.Take();
  }
  ASSERT_TRUE(first.sawEnd() && second.sawEnd()) << "the end mark did not reach both in 10 s";
  const std::set<uint64_t>& a = first.sequences();
  EXPECT_EQ(a, second.sequences()) << "the two subscribers saw different records";
  EXPECT_EQ(*a.begin(), 1u) << "the first record was lost";
  EXPECT_EQ(*a.rbegin(), a.size()) << "records are missing in between (split or dropped)";
  EXPECT_GE(a.size(), 21u * 3 * 2) << "CREATE, WRITE or READ, and CLEANUP, down and up";
  tap_->Unsubscribe(firstId);
  tap_->Unsubscribe(secondId);
}

}  // namespace
}  // namespace irpfs::tools
