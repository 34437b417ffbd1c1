// Turning a trace record into one line of text, for people or for programs. Neither
// function adds the newline. Both show the same fields in the same order; which fields a
// record has depends on its phase and major function:
//
//   text: 2025-11-26T12:00:00.123456789Z #7 down IRP_MJ_READ irp=0x7f00 dev="memfs0"
//         pid=42 proc="cat" uid=1000 gid=1000 file="/a.txt" offset=0 length=4096
//   text: 2025-11-26T12:00:00.123472039Z #8 up IRP_MJ_READ irp=0x7f00 dev="memfs0" pid=42
//         proc="cat" uid=1000 gid=1000 file="/a.txt" status=STATUS_SUCCESS info=4096
//         duration_ns=15250 pending
//   json: {"seq":7,"time":"2025-11-26T12:00:00.123456789Z","time_ns":...,"phase":"down",
//          "major":"IRP_MJ_READ","irp":"0x7f00","device":"memfs0","pid":42,...}
//
// Down lines carry the request's key parameters (offset/length, access/share/disposition,
// information class, control code, ...), up lines the status, information (a create's
// CreateAction by name), duration and whether a driver below pended the IRP. JSON has
// the same keys with numbers as numbers. Times are UTC. Text quotes names and escapes '"', '\\' and
// control bytes as \xNN; a name cut to fit its record field is followed by "(truncated)" in text
// and flagged with a
// "<key>_truncated": true member in JSON. These run on the reader's thread, not the
// IRP's, and allocate the string they return.
#pragma once

#include <string>

#include "drivers/filters/trace/trace_options.h"
#include "drivers/filters/trace/trace_record.h"

namespace irpfs::trace {

std::string FormatTraceText(const TraceRecord& record);
std::string FormatTraceJson(const TraceRecord& record);
// The one chosen by the options.
std::string FormatTraceLine(const TraceRecord& record, TraceFormat format);

}  // namespace irpfs::trace
