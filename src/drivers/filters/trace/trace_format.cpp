#include "drivers/filters/trace/trace_format.h"

#include <nlohmann/json.hpp>

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "core/irp_codes.h"
#include "drivers/filters/trace/trace_names.h"

namespace irpfs::trace {
namespace {

// Both formats are produced by walking the record's fields once, in FieldsOf, and
// handing each to a writer that knows its format's syntax.
class FieldWriter {
 public:
  virtual void Number(const char* key, uint64_t value) = 0;
  // A bit mask or code: hex in text, a plain number in JSON.
  virtual void Hex(const char* key, uint64_t value) = 0;
  // A symbolic name (IRP_MJ_READ, STATUS_SUCCESS): a bare word in text.
  virtual void Word(const char* key, std::string_view value) = 0;
  // Free text from the file system or the user (file names): quoted in text.
  virtual void Text(const char* key, std::string_view value, bool truncated) = 0;
  // A condition that is shown only when true.
  virtual void Flag(const char* key) = 0;

 protected:
  ~FieldWriter() = default;
};

std::string IsoTime(int64_t timeNs) {
  time_t seconds = static_cast<time_t>(timeNs / 1'000'000'000);
  auto nanos = static_cast<long>(timeNs % 1'000'000'000);
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, nanos);
  return buffer;
}

std::string HexString(uint64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "0x%" PRIx64, value);
  return buffer;
}

template <size_t N>
void TextIfAny(FieldWriter& out, const char* key, const FixedText<N>& text) {
  if (!text.empty() || text.truncated) out.Text(key, text.view(), text.truncated);
}

// A class number, by name when it has one.
void InfoClass(FieldWriter& out, uint32_t infoClass, std::string_view name) {
  if (name.empty()) {
    out.Number("class", infoClass);
  } else {
    out.Word("class", name);
  }
}

void DownParameters(const TraceRecord& r, FieldWriter& out) {
  const TraceParameters& p = r.parameters;
  switch (r.major) {
    case IrpMajor::Create:
    case IrpMajor::QueryOpen: {
      out.Hex("access", p.desiredAccess);
      out.Hex("share", p.shareAccess);
      std::string_view disposition = CreateDispositionName(p.disposition);
      if (disposition.empty()) {
        out.Number("disposition", p.disposition);
      } else {
        out.Word("disposition", disposition);
      }
      out.Hex("options", p.createOptions);
      if (p.mode != 0) out.Hex("mode", p.mode);
      TextIfAny(out, "target", r.argument);
      break;
    }
    case IrpMajor::Read:
    case IrpMajor::Write:
      out.Number("offset", p.offset);
      out.Number("length", p.length);
      if (p.flags != 0) out.Hex("flags", p.flags);
      break;
    case IrpMajor::QueryInformation:
    case IrpMajor::SetInformation:
      InfoClass(out, p.infoClass, FileInformationClassName(p.infoClass));
      out.Number("length", p.length);
      TextIfAny(out, "target", r.argument);
      break;
    case IrpMajor::DirectoryControl:
      InfoClass(out, p.infoClass, FileInformationClassName(p.infoClass));
      out.Number("length", p.length);
      TextIfAny(out, "pattern", r.argument);
      if (p.stackFlags != 0) out.Hex("sl_flags", p.stackFlags);
      break;
    case IrpMajor::QueryVolumeInformation:
    case IrpMajor::SetVolumeInformation:
      InfoClass(out, p.infoClass, FsInformationClassName(p.infoClass));
      out.Number("length", p.length);
      break;
    case IrpMajor::QueryEa:
    case IrpMajor::SetEa:
      TextIfAny(out, "name", r.argument);
      out.Number("length", p.length);
      if (p.flags != 0) out.Hex("flags", p.flags);
      break;
    case IrpMajor::DeviceControl:
    case IrpMajor::InternalDeviceControl:
    case IrpMajor::FileSystemControl:
      out.Hex("code", p.controlCode);
      out.Number("in", p.inputLength);
      out.Number("out", p.length);
      break;
    case IrpMajor::LockControl:
      out.Number("offset", p.offset);
      out.Number("length", p.length);
      if (p.stackFlags != 0) out.Hex("sl_flags", p.stackFlags);
      break;
    default:
      break;
  }
}

void UpResult(const TraceRecord& r, FieldWriter& out) {
  out.Word("status", StatusName(r.status));
  std::string_view action =
      r.major == IrpMajor::Create && NtSuccess(r.status) ? CreateActionName(r.information) : "";
  if (action.empty()) {
    out.Number("info", r.information);
  } else {
    out.Word("info", action);
  }
  out.Number("duration_ns", r.durationNs);
  if (r.pending) out.Flag("pending");
}

void FieldsOf(const TraceRecord& r, FieldWriter& out) {
  std::string_view minor = IrpMinorName(r.major, r.minor);
  if (!minor.empty()) out.Word("minor", minor);
  out.Word("irp", HexString(r.irpId));
  TextIfAny(out, "device", r.device);
  out.Number("pid", static_cast<uint64_t>(r.requestor.pid));
  TextIfAny(out, "process", r.process);
  out.Number("uid", r.requestor.uid);
  out.Number("gid", r.requestor.gid);
  TextIfAny(out, "file", r.fileName);
  if (r.phase == TracePhase::Down) {
    DownParameters(r, out);
  } else {
    UpResult(r, out);
  }
}

std::string_view PhaseName(TracePhase phase) {
  return phase == TracePhase::Down ? "down" : "up";
}

class TextWriter final : public FieldWriter {
 public:
  explicit TextWriter(std::string* line) : line_(line) {}

  void Number(const char* key, uint64_t value) override {
    Key(key);
    line_->append(std::to_string(value));
  }
  void Hex(const char* key, uint64_t value) override {
    Key(key);
    line_->append(HexString(value));
  }
  void Word(const char* key, std::string_view value) override {
    Key(key);
    line_->append(value);
  }
  void Text(const char* key, std::string_view value, bool truncated) override {
    Key(key);
    line_->push_back('"');
    for (char c : value) {
      auto byte = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        line_->push_back('\\');
        line_->push_back(c);
      } else if (byte < 0x20 || byte == 0x7f) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
        line_->append(escaped);
      } else {
        line_->push_back(c);
      }
    }
    line_->push_back('"');
    if (truncated) line_->append("(truncated)");
  }
  void Flag(const char* key) override {
    line_->push_back(' ');
    line_->append(key);
  }

 private:
  void Key(const char* key) {
    line_->push_back(' ');
    line_->append(ShortKey(key));
    line_->push_back('=');
  }
  // Text lines are read by people: a few keys are shorter there.
  static std::string_view ShortKey(std::string_view key) {
    if (key == "device") return "dev";
    if (key == "process") return "proc";
    return key;
  }

  std::string* line_;
};

class JsonWriter final : public FieldWriter {
 public:
  explicit JsonWriter(nlohmann::ordered_json* object) : object_(object) {}

  void Number(const char* key, uint64_t value) override { (*object_)[key] = value; }
  void Hex(const char* key, uint64_t value) override { (*object_)[key] = value; }
  void Word(const char* key, std::string_view value) override {
    (*object_)[key] = std::string(value);
  }
  void Text(const char* key, std::string_view value, bool truncated) override {
    (*object_)[key] = std::string(value);
    if (truncated) (*object_)[std::string(key) + "_truncated"] = true;
  }
  void Flag(const char* key) override { (*object_)[key] = true; }

 private:
  nlohmann::ordered_json* object_;
};

}  // namespace

std::string FormatTraceText(const TraceRecord& record) {
  std::string line = IsoTime(record.timeNs);
  line.append(" #");
  line.append(std::to_string(record.sequence));
  line.push_back(' ');
  line.append(PhaseName(record.phase));
  line.push_back(' ');
  line.append(IrpMajorName(record.major));
  TextWriter writer(&line);
  FieldsOf(record, writer);
  return line;
}

std::string FormatTraceJson(const TraceRecord& record) {
  nlohmann::ordered_json object;
  object["seq"] = record.sequence;
  object["time"] = IsoTime(record.timeNs);
  object["time_ns"] = record.timeNs;
  object["phase"] = std::string(PhaseName(record.phase));
  object["major"] = std::string(IrpMajorName(record.major));
  JsonWriter writer(&object);
  FieldsOf(record, writer);
  // File names are bytes, not necessarily UTF-8: replace what is not rather than throw.
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string FormatTraceLine(const TraceRecord& record, TraceFormat format) {
  return format == TraceFormat::Json ? FormatTraceJson(record) : FormatTraceText(record);
}

}  // namespace irpfs::trace
