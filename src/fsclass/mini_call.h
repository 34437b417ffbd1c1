// Every call into a MiniFileSystem goes through these guards: the callbacks must not
// throw, and when one does anyway the IRP fails with STATUS_INTERNAL_ERROR instead of the
// exception unwinding through the I/O manager (which would leave the IRP uncompleted).
#pragma once

#include "core/irp.h"
#include "core/status.h"
#include "fsclass/mini_fs.h"

namespace irpfs::fsclass {

template <class Call>
NtStatus Guarded(Call&& call) noexcept {
  try {
    return call();
  } catch (...) {
    return NtStatus::InternalError;
  }
}

// For the callbacks that return nothing (Forget, Cleanup, Close): an exception is dropped.
template <class Call>
void GuardedVoid(Call&& call) noexcept {
  try {
    call();
  } catch (...) {
  }
}

inline OperationContext ContextOf(Irp* irp) {
  return OperationContext{irp->requestor, irp};
}

// Minis report a missing name with either code; the class driver speaks of one.
inline bool IsNotFound(NtStatus s) {
  return s == NtStatus::ObjectNameNotFound || s == NtStatus::NoSuchFile ||
         s == NtStatus::ObjectPathNotFound;
}

}  // namespace irpfs::fsclass
