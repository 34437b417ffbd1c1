// A fixed set of mutexes, shared by every memfs volume in the process, picked by address.
//
// Why: a write that lands inside chunks a file already has runs under the node's lock
// taken *shared* (memfs_data.cpp), so two such writes, or one and a read, may copy into
// and out of the same chunk at once. Each copy of a chunk's bytes holds the chunk's
// stripe, which makes every chunk-sized piece of a read or write atomic (as Linux makes
// each page of one). A mutex per chunk would cost every chunk 40 bytes and make chunks
// immovable; a stripe costs nothing per chunk, and two chunks that share a stripe only
// wait for each other's memcpy.
//
// A stripe is held for a copy of at most one chunk and nothing else is taken meanwhile:
// stripes are leaf locks, never nested, so they cannot deadlock.
#pragma once

#include <mutex>

namespace irpfs::memfs {

// The stripe of whatever lives at `address` (a chunk's buffer, a node's times). The
// same address always gives the same mutex.
std::mutex& StripeLock(const void* address);

}  // namespace irpfs::memfs
