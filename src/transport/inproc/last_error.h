// The calling thread's last error, as Win32 keeps it in the TEB: a Win32 error code
// (GetLastError) and the NT status it came from (GetLastNtStatus).
//
// Every call of the client API that fails sets both. Success leaves them alone except
// where Win32 sets them on success too (CreateFile: 0 or ERROR_ALREADY_EXISTS).
#pragma once

#include <cstdint>

#include "core/status.h"

namespace irpfs::inproc {

uint32_t GetLastError();
void SetLastError(uint32_t error);
NtStatus GetLastNtStatus();

// Records a failed (or informational) status: the NT value and its Win32 translation
// through the one status table. Returns false, for "return Fail(status);" in BOOL APIs.
bool SetLastStatus(NtStatus status);
// Records an error that has no NT status of its own (ERROR_IO_INCOMPLETE).
void SetLastErrorAndStatus(uint32_t error, NtStatus status);

}  // namespace irpfs::inproc
