// Minimal logging for the FUSE transport: one line per call on stderr (which the
// `irpfs` daemon points at its log file). fprintf to an unbuffered stream writes each
// line with a single write(2), so lines from different threads do not interleave.
#pragma once

#include <cstdio>

namespace irpfs::fuse {

enum class LogLevel : int { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

// Messages above this level are dropped. Default kWarning; IRPFS_FUSE_LOG=debug|info|...
// in the environment changes it at start-up.
LogLevel FuseLogLevel();
void SetFuseLogLevel(LogLevel level);

void FuseLog(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace irpfs::fuse
