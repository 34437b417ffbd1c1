#include "transport/inproc/last_error.h"

namespace irpfs::inproc {
namespace {

thread_local uint32_t tLastError = 0;
thread_local NtStatus tLastStatus = NtStatus::Success;

}  // namespace

uint32_t GetLastError() {
  return tLastError;
}

void SetLastError(uint32_t error) {
  tLastError = error;
}

NtStatus GetLastNtStatus() {
  return tLastStatus;
}

bool SetLastStatus(NtStatus status) {
  tLastStatus = status;
  tLastError = StatusToWin32(status);
  return false;
}

void SetLastErrorAndStatus(uint32_t error, NtStatus status) {
  tLastStatus = status;
  tLastError = error;
}

}  // namespace irpfs::inproc
