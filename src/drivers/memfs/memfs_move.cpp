// Rename: replace, no-replace and exchange (renameat2), within and between directories.
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "drivers/memfs/directory.h"
#include "drivers/memfs/memfs.h"

namespace irpfs::memfs {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

// Whether `ancestor` is `node` or above it. Caller holds renameMutex_ and `node` is linked,
// so every parent up to the root is alive and stays put.
bool IsSelfOrAncestor(const Node* ancestor, const Node* node) {
  for (; node; node = node->parent) {
    if (node == ancestor) return true;
  }
  return false;
}

}  // namespace

NtStatus MemFs::Move(const OperationContext&, NodeRef fromRef, std::string_view fromName,
                     NodeRef toRef, std::string_view toName, uint32_t flags) {
  Node* fromDir = NodeOf(fromRef);
  Node* toDir = NodeOf(toRef);
  if (!fromDir->directory || !toDir->directory) return NtStatus::NotADirectory;
  if (NtStatus s = ValidateName(fromName); !NtSuccess(s)) return s;
  if (NtStatus s = ValidateName(toName); !NtSuccess(s)) return s;
  const bool exchange = flags & rename_flag::kExchange;
  const bool replace = flags & rename_flag::kReplaceIfExists;
  const bool crossDir = fromDir != toDir;
  Directory& from = *fromDir->directory;
  Directory& to = *toDir->directory;

  // A rename changes the tree of directories when it moves between directories or
  // replaces a directory; then it holds renameMutex_ (lock order in memfs.h), and a
  // replaced directory's entry list is locked together with the two others. Whether the
  // target is a directory is known only under the entry locks, so that takes another pass.
  std::unique_lock<std::mutex> topology(renameMutex_, std::defer_lock);
  if (crossDir) topology.lock();
  NodePtr victimDir;  // the directory this pass expects to replace
  NodePtr replaced;   // released after the locks
  for (;;) {
    DirectoryLocks locks({fromDir, toDir, victimDir.get()});
    if (from.unlinked || to.unlinked) return NtStatus::ObjectNameNotFound;
    DirEntry* source = from.Find(fromName);
    if (!source) return NtStatus::ObjectNameNotFound;
    Node* moved = source->node.get();
    DirEntry* target = to.Find(toName);
    Node* victim = target ? target->node.get() : nullptr;
    // The same name, or two links of one file: POSIX says do nothing.
    if (victim == moved) return NtStatus::Success;
    if (exchange && !victim) return NtStatus::ObjectNameNotFound;
    if (!exchange && victim && !replace) return NtStatus::ObjectNameCollision;
    if (!exchange && victim) {
      if (moved->isDirectory() && !victim->isDirectory()) return NtStatus::NotADirectory;
      if (!moved->isDirectory() && victim->isDirectory()) return NtStatus::FileIsADirectory;
    }
    const bool replacesDirectory = !exchange && victim && victim->isDirectory();
    if (replacesDirectory && victimDir.get() != victim) {
      // The old hint may hold the last reference to a directory locked here: unlock first.
      NodePtr next(victim);
      locks.Unlock();
      victimDir = std::move(next);
      if (!topology.owns_lock()) topology.lock();
      continue;
    }

    if (crossDir) {
      if (moved->isDirectory() && IsSelfOrAncestor(moved, toDir)) {
        return NtStatus::InvalidParameter;  // into itself: EINVAL
      }
      if (exchange && victim->isDirectory() && IsSelfOrAncestor(victim, fromDir)) {
        return NtStatus::InvalidParameter;
      }
    }
    if (replacesDirectory) {
      // A directory above the source (or the source's own) is not empty.
      if (IsSelfOrAncestor(victim, fromDir)) return NtStatus::DirectoryNotEmpty;
      if (!victim->directory->empty()) return NtStatus::DirectoryNotEmpty;
      victim->directory->unlinked = true;
    }

    FileTimeSpec now = Now();
    const int movedDirs = moved->isDirectory() ? 1 : 0;
    if (exchange) {
      std::swap(source->node, target->node);
      const int victimDirs = victim->isDirectory() ? 1 : 0;
      if (crossDir) {
        if (movedDirs) moved->parent = toDir;
        if (victimDirs) victim->parent = fromDir;
        fromDir->TouchEntriesChanged(now, victimDirs - movedDirs);
        toDir->TouchEntriesChanged(now, movedDirs - victimDirs);
      } else {
        fromDir->TouchEntriesChanged(now);
      }
      moved->TouchNameChanged(now);
      victim->TouchNameChanged(now);
      return NtStatus::Success;
    }

    if (victim) {
      // Take over the target's entry: nothing to allocate, so nothing can fail half way.
      replaced = std::move(target->node);
      target->node = std::move(source->node);
    } else {
      to.Insert(toName, source->node);  // may throw; then nothing changed
    }
    from.Erase(fromName);
    if (crossDir && movedDirs) moved->parent = toDir;
    if (victim) victim->TouchNameChanged(now, victim->isDirectory() ? -2 : -1);
    moved->TouchNameChanged(now);
    const int replacedDirs = replacesDirectory ? 1 : 0;
    if (crossDir) {
      fromDir->TouchEntriesChanged(now, -movedDirs);
      toDir->TouchEntriesChanged(now, movedDirs - replacedDirs);
    } else {
      fromDir->TouchEntriesChanged(now, -replacedDirs);
    }
    return NtStatus::Success;
  }
}

}  // namespace irpfs::memfs
