#include "drivers/mirror/node.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace irpfs::mirror {

Node* Node::NameAt(size_t i, char (&name)[256]) {
  std::lock_guard lock(mutex_);
  if (i >= names_.size() || names_[i].name.size() >= sizeof name) return nullptr;
  const Name& entry = names_[i];
  std::memcpy(name, entry.name.data(), entry.name.size());
  name[entry.name.size()] = '\0';
  NodeTable::AddRef(entry.parent);
  return entry.parent;
}

void Node::AddName(NodeTable& table, Node* parent, std::string_view name) {
  NodeTable::AddRef(parent);
  Node* dropped = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto known = std::find_if(names_.begin(), names_.end(),
                              [&](const Name& n) { return n.parent == parent && n.name == name; });
    if (known != names_.end()) {
      dropped = parent;  // already known: give back the reference just taken
      std::rotate(names_.begin(), known, known + 1);  // and make it the most recent
    } else {
      if (names_.size() == kMaxNames) {
        dropped = names_.back().parent;
        names_.pop_back();
      }
      names_.insert(names_.begin(), Name{parent, std::string(name)});
    }
  }
  if (dropped != nullptr) table.Release(dropped);
}

size_t Node::NameCount() {
  std::lock_guard lock(mutex_);
  return names_.size();
}

void Node::RemoveName(NodeTable& table, const Node* parent, std::string_view name) {
  Node* dropped = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto known = std::find_if(names_.begin(), names_.end(),
                              [&](const Name& n) { return n.parent == parent && n.name == name; });
    if (known == names_.end()) return;
    dropped = known->parent;
    names_.erase(known);
  }
  table.Release(dropped);
}

NodeTable::~NodeTable() {
  // Nodes still referenced at teardown belong to a class driver that did not forget them;
  // their descriptors close with the process. Nothing to free here safely.
}

bool NodeTable::TryAddRef(Node* node) {
  uint32_t refs = node->refs_.load(std::memory_order_relaxed);
  while (refs != 0) {
    if (node->refs_.compare_exchange_weak(refs, refs + 1, std::memory_order_acq_rel)) return true;
  }
  return false;
}

Node* NodeTable::Find(dev_t dev, ino_t ino) {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(Key{dev, ino});
  if (it == nodes_.end() || !TryAddRef(it->second)) return nullptr;
  return it->second;
}

Node* NodeTable::Insert(Node* fresh) {
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = nodes_.try_emplace(Key{fresh->dev, fresh->ino}, fresh);
    if (inserted) return fresh;
    if (!TryAddRef(it->second)) {
      it->second = fresh;  // the old node is on its way out; Release leaves the entry alone
      return fresh;
    }
    Node* existing = it->second;
    fresh->refs_.store(0, std::memory_order_relaxed);
    close(fresh->fd);
    delete fresh;
    return existing;
  }
}

size_t NodeTable::Size() {
  std::lock_guard lock(mutex_);
  return nodes_.size();
}

void NodeTable::Release(Node* node) {
  // Freeing a node releases its parent: walk up iteratively, a deep tree must not recurse.
  while (node != nullptr) {
    if (node->refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    {
      std::lock_guard lock(mutex_);
      auto it = nodes_.find(Key{node->dev, node->ino});
      if (it != nodes_.end() && it->second == node) nodes_.erase(it);
    }
    std::vector<Node::Name> names;
    {
      std::lock_guard lock(node->mutex_);
      names.swap(node->names_);
    }
    if (node->fd >= 0) close(node->fd);
    if (int created = node->TakeCreatedFd(); created >= 0) close(created);
    delete node;
    // All but one parent are released recursively (a node has at most kMaxNames); the
    // last continues the loop, which is the long chain a deep tree makes.
    node = nullptr;
    for (Node::Name& n : names) {
      if (node != nullptr) Release(node);
      node = n.parent;
    }
  }
}

}  // namespace irpfs::mirror
