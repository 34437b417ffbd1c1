// The trace filter: an upper filter driver that records every IRP passing through a
// volume's stack, on its way down and again when it completes back up, like IrpTracker
// or Process Monitor on NT.
//
// Usage:
//   DriverObject* trace;
//   IoCreateDriver("trace", TraceDriverEntry, "format=json,file=/tmp/t.jsonl", &trace);
//   DeviceObject* filter;
//   TraceAttach(trace, volumeDevice, "capacity=65536", &filter);  // above the stack's top
//   ... I/O ...
//   for (TraceRecord& r : TraceGetLog(filter)->DrainAll()) puts(FormatTraceText(r).c_str());
//   TraceDetach(filter);
//
// The driver's parameters (trace_options.h) are the defaults of its devices; attach-time
// options override them per device. The driver also has an AddDevice routine, so a stack
// builder can attach it with the defaults.
//
// Per IRP the filter fills a record on the stack and pushes it to its log's ring: no
// allocation, no I/O, no lock beyond the process name cache's per-slot lock. The
// completion routine is set for success, error and cancel alike, and gets the start time
// through its context pointer, so nothing per IRP is kept anywhere else.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/device.h"
#include "core/status.h"
#include "drivers/filters/trace/trace_log.h"

namespace irpfs::trace {

// DriverEntry: fills the whole dispatch table with the tracing pass-through. Fails with
// STATUS_INVALID_PARAMETER (and says why on stderr) when `parameters` do not parse.
NtStatus TraceDriverEntry(DriverObject* driver, std::string_view parameters);

// Creates a trace device of `traceDriver` and attaches it above the current top of the
// stack `volume` belongs to. `options` are applied over the driver's defaults; on
// STATUS_INVALID_PARAMETER, *error (if given) says what was wrong. Nothing is attached
// when this fails.
NtStatus TraceAttach(DriverObject* traceDriver, DeviceObject* volume, std::string_view options,
                     DeviceObject** filter, std::string* error = nullptr);

// Detaches the filter from the device below it and deletes it. The filter must be the top
// of its stack and no IRP may be in flight through it (as at unmount).
void TraceDetach(DeviceObject* filter);

// The log of a trace device (nullptr for any other device).
std::shared_ptr<TraceLog> TraceGetLog(const DeviceObject* filter);

// The log of the topmost trace device in the stack `device` belongs to, or nullptr when
// the stack has none: how a live reader (`irpfs trace <mount>`) finds a volume's trace.
// The stack must not be changing shape meanwhile (attach and detach happen at mount and
// unmount).
std::shared_ptr<TraceLog> TraceFindLog(DeviceObject* device);

}  // namespace irpfs::trace
