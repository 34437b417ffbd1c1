#include "drivers/filters/trace/trace_log.h"

namespace irpfs::trace {

TraceLog::TraceLog(const TraceOptions& options) : options_(options), ring_(options.capacity) {}

NtStatus TraceLog::Create(const TraceOptions& options, std::shared_ptr<TraceLog>* log) {
  std::shared_ptr<TraceLog> created(new TraceLog(options));
  if (!options.filePath.empty()) {
    NtStatus status = TraceFileSink::Open(options, &created->file_);
    if (!NtSuccess(status)) return status;
  }
  *log = std::move(created);
  return NtStatus::Success;
}

void TraceLog::Record(TraceRecord& record) noexcept {
  record.sequence = nextSequence_.fetch_add(1, std::memory_order_relaxed);
  ring_.Write(record);
  if (file_) file_->Write(record);
}

void TraceLog::FlushFile() {
  if (file_) file_->Flush();
}

}  // namespace irpfs::trace
