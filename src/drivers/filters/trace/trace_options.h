// Options of the trace filter, from the parameter string given to TraceDriverEntry (the
// defaults for every device) or to TraceAttach (this device only):
//
//   format=text|json     the line format of the file sink (default text)
//   file=/path           also append every record, as a line, to this file
//   capacity=N           slots of the in-memory ring, 1..1048576 (default 4096)
//
// Entries are comma-separated key=value pairs; spaces around keys and values are
// ignored, so a path can hold neither a comma nor leading or trailing spaces. An
// unknown key, a value out of range or a key given twice is STATUS_INVALID_PARAMETER.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace irpfs::trace {

enum class TraceFormat { Text, Json };

struct TraceOptions {
  TraceFormat format = TraceFormat::Text;
  std::string filePath;  // empty: no file sink
  size_t capacity = 4096;
};

inline constexpr size_t kMaxTraceCapacity = size_t{1} << 20;

// Applies the entries of `text` on top of *options (so attach-time options override the
// driver's). On failure *options is unchanged and *error (if given) says what was wrong.
NtStatus ParseTraceOptions(std::string_view text, TraceOptions* options,
                           std::string* error = nullptr);

}  // namespace irpfs::trace
