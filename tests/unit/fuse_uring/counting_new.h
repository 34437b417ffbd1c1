// A global operator new that counts, for the zero-allocation tests of this binary.
#pragma once

#include <atomic>
#include <cstdint>

namespace irpfs::fuse::testing {

// Every operator new (any form) in this process so far.
uint64_t AllocationCount();

}  // namespace irpfs::fuse::testing
