#include "drivers/memfs/directory.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace irpfs::memfs {

DirEntry* Directory::Find(std::string_view name) {
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : &byCookie_.find(it->second)->second;
}

uint64_t Directory::Insert(std::string_view name, NodePtr node) {
  uint64_t cookie = nextCookie_;
  auto [it, inserted] = byCookie_.try_emplace(cookie, DirEntry{std::string(name), std::move(node)});
  try {
    byName_.emplace(it->second.name, cookie);
  } catch (...) {
    byCookie_.erase(it);
    throw;
  }
  ++nextCookie_;
  return cookie;
}

NodePtr Directory::Erase(std::string_view name) {
  auto index = byName_.find(name);
  if (index == byName_.end()) return {};
  auto entry = byCookie_.find(index->second);
  NodePtr node = std::move(entry->second.node);
  byName_.erase(index);  // before the string it views goes
  byCookie_.erase(entry);
  return node;
}

std::vector<NodePtr> Directory::TakeAll() {
  std::vector<NodePtr> nodes;
  nodes.reserve(byCookie_.size());
  for (auto& [cookie, entry] : byCookie_) nodes.push_back(std::move(entry.node));
  byName_.clear();
  byCookie_.clear();
  return nodes;
}

DirectoryLocks::DirectoryLocks(std::initializer_list<Node*> directories) {
  std::array<Node*, 3> sorted{};
  size_t count = 0;
  for (Node* dir : directories) {
    if (!dir || std::find(sorted.begin(), sorted.begin() + count, dir) != sorted.begin() + count) {
      continue;
    }
    assert(count < sorted.size());
    sorted[count++] = dir;
  }
  std::sort(sorted.begin(), sorted.begin() + count,
            [](const Node* a, const Node* b) { return a->id < b->id; });
  for (size_t i = 0; i < count; ++i) {
    locks_[i] = std::unique_lock(sorted[i]->directory->mutex());
  }
}

void DirectoryLocks::Unlock() {
  // Released in reverse order of taking.
  for (auto it = locks_.rbegin(); it != locks_.rend(); ++it) {
    if (it->owns_lock()) it->unlock();
  }
}

}  // namespace irpfs::memfs
