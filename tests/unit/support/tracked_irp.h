// An IRP that counts its completions, for tests of queues that must complete each IRP
// exactly once (the cancel-safe queue and the queues built on it).
#pragma once

#include <atomic>

#include "core/io_manager.h"

namespace irpfs::test_irp {

struct Tracked {
  Irp irp;
  std::atomic<int> completions{0};
  std::atomic<NtStatus> finalStatus{NtStatus::Pending};
};

// Originator completion for a Tracked IRP (context: the Tracked).
inline void TrackCompletion(Irp* irp, void* context) {
  auto* tracked = static_cast<Tracked*>(context);
  tracked->finalStatus.store(irp->ioStatus.status);
  tracked->completions.fetch_add(1);
}

}  // namespace irpfs::test_irp
