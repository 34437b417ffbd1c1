#include "drivers/filters/trace/trace_file_sink.h"

#include <cerrno>

#include "drivers/filters/trace/trace_format.h"

namespace irpfs::trace {

NtStatus TraceFileSink::Open(const TraceOptions& options, std::unique_ptr<TraceFileSink>* sink) {
  std::FILE* file = std::fopen(options.filePath.c_str(), "ae");
  if (file == nullptr) return ErrnoToStatus(errno);
  sink->reset(new TraceFileSink(file, options));
  return NtStatus::Success;
}

TraceFileSink::TraceFileSink(std::FILE* file, const TraceOptions& options)
    : ring_(options.capacity), format_(options.format), file_(file) {
  writer_ = std::thread([this] { WriterLoop(); });
}

TraceFileSink::~TraceFileSink() {
  {
    std::lock_guard lock(stopMutex_);
    stopping_ = true;
  }
  stopSignal_.notify_one();
  writer_.join();
  DrainToFile();
  std::fclose(file_);
}

void TraceFileSink::Flush() {
  DrainToFile();
}

void TraceFileSink::WriterLoop() {
  std::unique_lock lock(stopMutex_);
  while (!stopping_) {
    stopSignal_.wait_for(lock, kWritePeriod, [this] { return stopping_; });
    lock.unlock();
    DrainToFile();
    lock.lock();
  }
}

void TraceFileSink::DrainToFile() {
  std::lock_guard lock(fileMutex_);
  TraceRecord record;
  bool wrote = false;
  while (ring_.TryPop(&record)) {
    std::string line = FormatTraceLine(record, format_);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), file_);
    wrote = true;
  }
  if (wrote) std::fflush(file_);
}

}  // namespace irpfs::trace
