// Where trace records go. The filter calls Write on the IRP's thread, from dispatch and
// completion routines, many threads at once: an implementation must be thread-safe, must
// not block for long, and must not allocate.
#pragma once

#include "drivers/filters/trace/trace_record.h"

namespace irpfs::trace {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void Write(const TraceRecord& record) noexcept = 0;
};

}  // namespace irpfs::trace
