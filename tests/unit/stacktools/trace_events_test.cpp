// Golden lines of the `irpfs trace` stream for fixed records: what a subscriber asking for
// text or JSON gets, and what --match lets through.
#include <gtest/gtest.h>

#include "control/json.h"
#include "tools/trace_tap.h"

namespace irpfs::tools {
namespace {

trace::TraceRecord WriteDown() {
  trace::TraceRecord record;
  record.sequence = 7;
  record.timeNs = 1700000000123456789;
  record.irpId = 0x1000;
  record.phase = trace::TracePhase::Down;
  record.major = IrpMajor::Write;
  record.requestor = Requestor{4242, 1000, 1000};
  record.parameters.offset = 4096;
  record.parameters.length = 512;
  record.process.Assign("sqlite3");
  record.device.Assign("trace:memfs0");
  record.fileName.Assign("/db/main.db");
  return record;
}

trace::TraceRecord WriteUp() {
  trace::TraceRecord record = WriteDown();
  record.sequence = 8;
  record.timeNs += 2500;
  record.phase = trace::TracePhase::Up;
  record.status = NtStatus::DiskFull;
  record.information = 0;
  record.durationNs = 2500;
  record.parameters = trace::TraceParameters{};
  return record;
}

TEST(TraceEvents, TextLines) {
  TraceSubscription text{false, ""};
  EXPECT_EQ(TraceEventFor(WriteDown(), text),
            R"({"line":"2023-11-14T22:13:20.123456789Z #7 down IRP_MJ_WRITE irp=0x1000 )"
            R"(dev=\"trace:memfs0\" pid=4242 proc=\"sqlite3\" uid=1000 gid=1000 )"
            R"(file=\"/db/main.db\" offset=4096 length=512"})");
  EXPECT_EQ(TraceEventFor(WriteUp(), text),
            R"({"line":"2023-11-14T22:13:20.123459289Z #8 up IRP_MJ_WRITE irp=0x1000 )"
            R"(dev=\"trace:memfs0\" pid=4242 proc=\"sqlite3\" uid=1000 gid=1000 )"
            R"(file=\"/db/main.db\" status=STATUS_DISK_FULL info=0 duration_ns=2500"})");
}

TEST(TraceEvents, JsonLines) {
  TraceSubscription json{true, ""};
  std::string down = TraceEventFor(WriteDown(), json);
  EXPECT_EQ(down,
            R"({"seq":7,"time":"2023-11-14T22:13:20.123456789Z","time_ns":1700000000123456789,)"
            R"("phase":"down","major":"IRP_MJ_WRITE","irp":"0x1000","device":"trace:memfs0",)"
            R"("pid":4242,"process":"sqlite3","uid":1000,"gid":1000,"file":"/db/main.db",)"
            R"("offset":4096,"length":512})");
  control::Json up = control::Json::parse(TraceEventFor(WriteUp(), json));
  EXPECT_EQ(up["status"], "STATUS_DISK_FULL");
  EXPECT_EQ(up["duration_ns"], 2500);
  EXPECT_EQ(up["phase"], "up");
}

TEST(TraceEvents, MatchFiltersByPath) {
  EXPECT_FALSE(TraceEventFor(WriteDown(), {true, "*.db"}).empty());
  EXPECT_FALSE(TraceEventFor(WriteDown(), {true, "/db/*"}).empty());
  EXPECT_FALSE(TraceEventFor(WriteDown(), {true, "db/main.*"}).empty());
  EXPECT_TRUE(TraceEventFor(WriteDown(), {true, "*.txt"}).empty());
  EXPECT_TRUE(TraceEventFor(WriteDown(), {false, "/other/*"}).empty());
}

}  // namespace
}  // namespace irpfs::tools
