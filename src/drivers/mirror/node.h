// A mirror node: one host inode the class driver knows, held by an O_PATH descriptor.
//
// Every operation on a node is a *at() call on its descriptor (or on its parent's
// descriptor and its name, for the few calls that need a name), so no path string is
// ever rebuilt and renames of open files or deep trees cost nothing.
//
// The (parent, name) pairs are the names the node was seen under (lookup, create, link,
// rename through the mirror), most recent first. They are used to reopen a regular file
// for I/O with openat2 and RESOLVE_NO_SYMLINKS; the reopened descriptor is checked against
// (dev, ino), so a name changed behind the mirror's back never opens another file.
//
// Lifetime: intrusive reference count. The class driver holds the references Lookup and
// Create hand out; each name holds one on its parent. The NodeTable maps (dev, ino) to the
// live node so a second lookup of the same inode shares one descriptor. While a node
// lives its descriptor pins the inode, so the host cannot reuse its number: (dev, ino)
// names exactly one live node.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "drivers/mirror/lock_owners.h"

namespace irpfs::mirror {

class NodeTable;

class Node {
 public:
  Node(int fd, dev_t dev, ino_t ino, uint32_t type, uint64_t fileId)
      : fd(fd), dev(dev), ino(ino), type(type), fileId(fileId) {}
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const int fd;  // O_PATH | O_NOFOLLOW
  const dev_t dev;
  const ino_t ino;
  const uint32_t type;  // S_IFMT bits; an inode never changes type
  const uint64_t fileId;

  // The host descriptors holding this node's POSIX locks, one per lock owner; they go
  // with the node.
  LockOwners lockOwners;

  // The read-write descriptor that created this regular file, kept for the open of the
  // same create request (MirrorFs::Open takes it, sparing a reopen by name); -1 once
  // taken. A descriptor nobody took closes with the node.
  std::atomic<int> createdFd{-1};
  // Takes the descriptor above, or -1.
  int TakeCreatedFd() { return createdFd.exchange(-1, std::memory_order_acq_rel); }

  bool isDirectory() const { return type == 0040000; }
  bool isRegular() const { return type == 0100000; }

  // The i-th known name: copies it into `name` (NUL-terminated) and returns its parent
  // with a reference taken, or nullptr past the last name. Most recently seen first.
  Node* NameAt(size_t i, char (&name)[256]);
  // Records that (parent, name) names this node (most recent first, at most kMaxNames);
  // takes its own reference on `parent`, which the caller holds one on.
  void AddName(NodeTable& table, Node* parent, std::string_view name);
  size_t NameCount();
  // Forgets (parent, name) if it is one of the node's names.
  void RemoveName(NodeTable& table, const Node* parent, std::string_view name);

  // Hard links give a node several names; a few are enough to reopen it after some of
  // them are removed.
  static constexpr size_t kMaxNames = 4;

 private:
  friend class NodeTable;
  std::atomic<uint32_t> refs_{1};
  struct Name {
    Node* parent;  // referenced
    std::string name;
  };
  std::mutex mutex_;  // guards names_
  std::vector<Name> names_;
};

class NodeTable {
 public:
  ~NodeTable();
  // The live node for (dev, ino) with a reference taken, or nullptr.
  Node* Find(dev_t dev, ino_t ino);
  // Adds `fresh` (one reference, owned by the caller) unless a live node for its inode
  // exists; returns the node to use, with one reference for the caller. When an existing
  // node wins, `fresh` is destroyed (its descriptor closed).
  Node* Insert(Node* fresh);
  static void AddRef(Node* node) { node->refs_.fetch_add(1, std::memory_order_relaxed); }
  // Drops one reference; the last one closes the descriptor and releases the parent.
  void Release(Node* node);
  // Live nodes in the table.
  size_t Size();

 private:
  struct Key {
    dev_t dev;
    ino_t ino;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(static_cast<uint64_t>(k.ino) * 0x9E3779B97F4A7C15ull ^
                                   static_cast<uint64_t>(k.dev));
    }
  };
  // Takes a reference unless the count already reached zero (the node is being freed).
  static bool TryAddRef(Node* node);

  std::mutex mutex_;  // a leaf: never held while calling out
  std::unordered_map<Key, Node*, KeyHash> nodes_;
};

}  // namespace irpfs::mirror
