// Counts heap allocations made anywhere in the bench process, so a benchmark can report
// allocations per request: the bench binary replaces the global operator new / new[] and,
// outside sanitizer builds, interposes glibc's malloc family (forwarding to glibc's own
// allocator), so std::string, std::vector and C code are all counted, each call once.
#pragma once

#include <cstdint>

namespace irpfs::bench {

// Allocations (operator new, malloc, calloc, realloc, aligned forms) so far, all threads.
uint64_t HeapAllocationCount();
// False in sanitizer builds: the sanitizer owns malloc, and only operator new is counted.
bool MallocIsCounted();

}  // namespace irpfs::bench
