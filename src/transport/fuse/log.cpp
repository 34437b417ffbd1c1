#include "transport/fuse/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdlib>
#include <cstring>

namespace irpfs::fuse {
namespace {

LogLevel LevelFromEnvironment() {
  const char* value = std::getenv("IRPFS_FUSE_LOG");
  if (value == nullptr) return LogLevel::kWarning;
  if (std::strcmp(value, "error") == 0) return LogLevel::kError;
  if (std::strcmp(value, "info") == 0) return LogLevel::kInfo;
  if (std::strcmp(value, "debug") == 0) return LogLevel::kDebug;
  return LogLevel::kWarning;
}

std::atomic<int>& Level() {
  static std::atomic<int> level{static_cast<int>(LevelFromEnvironment())};
  return level;
}

const char* LevelTag(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "?";
}

}  // namespace

LogLevel FuseLogLevel() {
  return static_cast<LogLevel>(Level().load(std::memory_order_relaxed));
}

void SetFuseLogLevel(LogLevel level) {
  Level().store(static_cast<int>(level), std::memory_order_relaxed);
}

void FuseLog(LogLevel level, const char* format, ...) {
  if (static_cast<int>(level) > Level().load(std::memory_order_relaxed)) return;
  char line[512];
  int prefix = std::snprintf(line, sizeof line, "irpfs fuse %s: ", LevelTag(level));
  va_list args;
  va_start(args, format);
  int body = std::vsnprintf(line + prefix, sizeof line - prefix - 1, format, args);
  va_end(args);
  size_t end = prefix + (body < 0 ? 0 : static_cast<size_t>(body));
  if (end > sizeof line - 2) end = sizeof line - 2;
  line[end] = '\n';
  std::fwrite(line, 1, end + 1, stderr);
}

}  // namespace irpfs::fuse
