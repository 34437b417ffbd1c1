// The entries of one directory, each with a resume cookie that never changes.
//
// Cookies come from a per-directory counter that only grows, and entries are kept in
// cookie order, so "the entries after cookie C" is a stable question: an enumeration that
// resumes after C sees every entry that existed throughout exactly once, whatever was
// added or removed meanwhile (new names land after every existing cookie). A name index
// beside it makes lookups O(1).
//
// Locks (the full order is in memfs.h): `mutex` guards everything here; callers take it
// (shared to look, exclusive to change) and may then take one node mutex.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "drivers/memfs/node.h"

namespace irpfs::memfs {

// The class driver reserves cookies 1 and 2 for "." and "..".
inline constexpr uint64_t kFirstCookie = 3;

struct DirEntry {
  std::string name;
  NodePtr node;
};

class Directory {
 public:
  std::shared_mutex& mutex() const { return mutex_; }

  // ---- Caller holds mutex() shared (or exclusive).
  DirEntry* Find(std::string_view name);
  bool empty() const { return byCookie_.empty(); }
  size_t size() const { return byCookie_.size(); }
  // Calls visit(cookie, entry) for the entries after `cookie`, in cookie order, until it
  // returns false.
  template <class Visit>
  void ForEachAfter(uint64_t cookie, Visit&& visit) const {
    for (auto it = byCookie_.upper_bound(cookie); it != byCookie_.end(); ++it) {
      if (!visit(it->first, it->second)) return;
    }
  }
  // Set when the directory's own name was removed: nothing may be added any more.
  // Written with both MemFs::renameMutex_ and mutex() held; read under either.
  bool unlinked = false;

  // ---- Caller holds mutex() exclusive.
  // Adds a name that is not there yet; returns its cookie. May throw std::bad_alloc,
  // leaving the directory as it was.
  uint64_t Insert(std::string_view name, NodePtr node);
  // Removes a name; returns the reference its entry held (null if absent).
  NodePtr Erase(std::string_view name);
  // Empties the directory (volume teardown).
  std::vector<NodePtr> TakeAll();

 private:
  struct NameHash {
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  mutable std::shared_mutex mutex_;
  uint64_t nextCookie_ = kFirstCookie;
  std::map<uint64_t, DirEntry> byCookie_;
  // Keys view the names stored in byCookie_ (map nodes never move).
  std::unordered_map<std::string_view, uint64_t, NameHash> byName_;
};

// Exclusive locks on the entry lists of up to three directories, taken together in
// inode-number order (nulls and repeats skipped). The only way memfs holds more than one
// directory lock (lock order in memfs.h).
class DirectoryLocks {
 public:
  explicit DirectoryLocks(std::initializer_list<Node*> directories);
  void Unlock();

 private:
  std::array<std::unique_lock<std::shared_mutex>, 3> locks_;
};

}  // namespace irpfs::memfs
