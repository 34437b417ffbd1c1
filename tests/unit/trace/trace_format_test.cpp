// Golden lines for fixed records: the text and JSON formats are interfaces (people read
// the one, scripts parse the other), so any change to them must show up here.
#include "drivers/filters/trace/trace_format.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace irpfs::trace {
namespace {

constexpr int64_t kNoon = 1764158400123456789;  // 2025-11-26T12:00:00.123456789Z

TraceRecord ReadDown() {
  TraceRecord r;
  r.sequence = 7;
  r.timeNs = kNoon;
  r.irpId = 0x7f0012345678;
  r.phase = TracePhase::Down;
  r.major = IrpMajor::Read;
  r.requestor = {42, 1000, 100};
  r.process.Assign("cat");
  r.device.Assign("memfs0");
  r.fileName.Assign("/dir/a.txt");
  r.parameters.offset = 8192;
  r.parameters.length = 4096;
  return r;
}

TraceRecord CreateUp() {
  TraceRecord r;
  r.sequence = 8;
  r.timeNs = kNoon + 15250;
  r.durationNs = 15250;
  r.irpId = 0x7f0012345678;
  r.phase = TracePhase::Up;
  r.major = IrpMajor::Create;
  r.pending = true;
  r.requestor = {42, 1000, 100};
  r.process.Assign("cat");
  r.device.Assign("memfs0");
  r.fileName.Assign("/dir/new.txt");
  r.status = NtStatus::Success;
  r.information = static_cast<uint64_t>(CreateAction::Created);
  return r;
}

TEST(TraceFormatText, ReadDown) {
  EXPECT_EQ(FormatTraceText(ReadDown()),
            "2025-11-26T12:00:00.123456789Z #7 down IRP_MJ_READ irp=0x7f0012345678 "
            "dev=\"memfs0\" pid=42 proc=\"cat\" uid=1000 gid=100 file=\"/dir/a.txt\" "
            "offset=8192 length=4096");
}

TEST(TraceFormatText, CreateUpPending) {
  EXPECT_EQ(FormatTraceText(CreateUp()),
            "2025-11-26T12:00:00.123472039Z #8 up IRP_MJ_CREATE irp=0x7f0012345678 "
            "dev=\"memfs0\" pid=42 proc=\"cat\" uid=1000 gid=100 file=\"/dir/new.txt\" "
            "status=STATUS_SUCCESS info=FILE_CREATED duration_ns=15250 pending");
}

TEST(TraceFormatText, CreateDownParameters) {
  TraceRecord r = ReadDown();
  r.major = IrpMajor::Create;
  r.parameters = {};
  r.parameters.desiredAccess = 0x120089;
  r.parameters.shareAccess = 3;
  r.parameters.disposition = static_cast<uint32_t>(CreateDisposition::OpenIf);
  r.parameters.createOptions = 0x40;
  r.parameters.mode = 0100644;
  EXPECT_EQ(FormatTraceText(r),
            "2025-11-26T12:00:00.123456789Z #7 down IRP_MJ_CREATE irp=0x7f0012345678 "
            "dev=\"memfs0\" pid=42 proc=\"cat\" uid=1000 gid=100 file=\"/dir/a.txt\" "
            "access=0x120089 share=0x3 disposition=FILE_OPEN_IF options=0x40 mode=0x81a4");
}

TEST(TraceFormatText, ErrorStatusAndMinor) {
  TraceRecord r = CreateUp();
  r.major = IrpMajor::DirectoryControl;
  r.minor = minor::kQueryDirectory;
  r.pending = false;
  r.status = NtStatus::NoMoreFiles;
  r.information = 0;
  EXPECT_EQ(FormatTraceText(r),
            "2025-11-26T12:00:00.123472039Z #8 up IRP_MJ_DIRECTORY_CONTROL "
            "minor=IRP_MN_QUERY_DIRECTORY irp=0x7f0012345678 dev=\"memfs0\" pid=42 "
            "proc=\"cat\" uid=1000 gid=100 file=\"/dir/new.txt\" status=STATUS_NO_MORE_FILES "
            "info=0 duration_ns=15250");
}

TEST(TraceFormatText, EscapesQuotesBackslashesAndControlBytesAndMarksTruncation) {
  TraceRecord r = ReadDown();
  r.fileName.Assign("/a \"q\"\\b\n");
  r.fileName.truncated = true;
  std::string line = FormatTraceText(r);
  EXPECT_NE(line.find(R"(file="/a \"q\"\\b\x0a"(truncated) )"), std::string::npos) << line;
}

TEST(TraceFormatText, NoFileNoProcess) {
  TraceRecord r = ReadDown();
  r.fileName.Clear();
  r.process.Clear();
  r.device.Clear();
  r.requestor = {};
  r.major = IrpMajor::Shutdown;
  EXPECT_EQ(FormatTraceText(r),
            "2025-11-26T12:00:00.123456789Z #7 down IRP_MJ_SHUTDOWN irp=0x7f0012345678 pid=0 "
            "uid=0 gid=0");
}

TEST(TraceFormatJson, ReadDown) {
  EXPECT_EQ(FormatTraceJson(ReadDown()),
            R"({"seq":7,"time":"2025-11-26T12:00:00.123456789Z","time_ns":1764158400123456789,)"
            R"("phase":"down","major":"IRP_MJ_READ","irp":"0x7f0012345678","device":"memfs0",)"
            R"("pid":42,"process":"cat","uid":1000,"gid":100,"file":"/dir/a.txt",)"
            R"("offset":8192,"length":4096})");
}

TEST(TraceFormatJson, CreateUpPending) {
  EXPECT_EQ(FormatTraceJson(CreateUp()),
            R"({"seq":8,"time":"2025-11-26T12:00:00.123472039Z","time_ns":1764158400123472039,)"
            R"("phase":"up","major":"IRP_MJ_CREATE","irp":"0x7f0012345678","device":"memfs0",)"
            R"("pid":42,"process":"cat","uid":1000,"gid":100,"file":"/dir/new.txt",)"
            R"("status":"STATUS_SUCCESS","info":"FILE_CREATED","duration_ns":15250,)"
            R"("pending":true})");
}

TEST(TraceFormatJson, EscapesAndSurvivesBytesThatAreNotUtf8) {
  TraceRecord r = ReadDown();
  r.fileName.Assign("/q\"\\\n\xff");
  r.fileName.truncated = true;
  std::string line = FormatTraceJson(r);
  nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["file"], "/q\"\\\n\xEF\xBF\xBD");  // U+FFFD for the stray byte
  EXPECT_EQ(parsed["file_truncated"], true);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(TraceFormat, LineFollowsTheOption) {
  EXPECT_EQ(FormatTraceLine(ReadDown(), TraceFormat::Json), FormatTraceJson(ReadDown()));
  EXPECT_EQ(FormatTraceLine(ReadDown(), TraceFormat::Text), FormatTraceText(ReadDown()));
}

}  // namespace
}  // namespace irpfs::trace
