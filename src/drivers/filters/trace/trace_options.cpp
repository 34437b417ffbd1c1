#include "drivers/filters/trace/trace_options.h"

#include <charconv>
#include <set>

namespace irpfs::trace {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

NtStatus Fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return NtStatus::InvalidParameter;
}

NtStatus ApplyEntry(std::string_view key, std::string_view value, TraceOptions* options,
                    std::string* error) {
  if (key == "format") {
    if (value == "text") {
      options->format = TraceFormat::Text;
    } else if (value == "json") {
      options->format = TraceFormat::Json;
    } else {
      return Fail(error, "trace: format must be text or json, not '" + std::string(value) + "'");
    }
    return NtStatus::Success;
  }
  if (key == "file") {
    if (value.empty()) return Fail(error, "trace: file= needs a path");
    options->filePath = std::string(value);
    return NtStatus::Success;
  }
  if (key == "capacity") {
    size_t capacity = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), capacity);
    if (ec != std::errc{} || end != value.data() + value.size() || capacity == 0 ||
        capacity > kMaxTraceCapacity) {
      return Fail(error, "trace: capacity must be a number from 1 to " +
                             std::to_string(kMaxTraceCapacity) + ", not '" + std::string(value) +
                             "'");
    }
    options->capacity = capacity;
    return NtStatus::Success;
  }
  return Fail(error,
              "trace: unknown option '" + std::string(key) + "' (known: format, file, capacity)");
}

}  // namespace

NtStatus ParseTraceOptions(std::string_view text, TraceOptions* options, std::string* error) {
  TraceOptions parsed = *options;
  std::set<std::string_view> seen;
  while (!Trim(text).empty()) {
    size_t comma = text.find(',');
    std::string_view entry = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (entry.empty()) return Fail(error, "trace: empty option entry");
    size_t equals = entry.find('=');
    if (equals == std::string_view::npos) {
      return Fail(error, "trace: option '" + std::string(entry) + "' is not key=value");
    }
    std::string_view key = Trim(entry.substr(0, equals));
    std::string_view value = Trim(entry.substr(equals + 1));
    if (!seen.insert(key).second) {
      return Fail(error, "trace: option '" + std::string(key) + "' given twice");
    }
    NtStatus status = ApplyEntry(key, value, &parsed, error);
    if (!NtSuccess(status)) return status;
  }
  *options = std::move(parsed);
  return NtStatus::Success;
}

}  // namespace irpfs::trace
