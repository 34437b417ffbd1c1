// The volume and the names: root, lookup, create, remove, rename, link, readlink.
#include "drivers/mirror/mirror.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>

#include "drivers/mirror/host_calls.h"

namespace irpfs::mirror {

using fsclass::NodeRef;
using fsclass::OperationContext;

namespace {

dev_t DevOf(const struct statx& stx) {
  return makedev(stx.stx_dev_major, stx.stx_dev_minor);
}

using host::StatusOf;

}  // namespace

NtStatus MakeComponent(std::string_view name, Component* out) {
  if (name.empty() || name == "." || name == "..") return NtStatus::ObjectNameInvalid;
  if (name.size() >= sizeof out->text) return NtStatus::NameTooLong;
  if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return NtStatus::ObjectNameInvalid;
  }
  std::memcpy(out->text, name.data(), name.size());
  out->text[name.size()] = '\0';
  return NtStatus::Success;
}

NtStatus MirrorFs::Open(const MirrorOptions& options, std::shared_ptr<MirrorFs>* out) {
  std::string message;
  if (NtStatus s = ValidateMirrorSource(options.source, {}, &message); !NtSuccess(s)) return s;
  int fd = open(options.source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return host::HostStatus(errno);
  struct statx stx;
  if (int r = host::StatAt(fd, "", &stx); r < 0) {
    close(fd);
    return StatusOf(r);
  }
  auto* root = new Node(fd, DevOf(stx), stx.stx_ino, stx.stx_mode & S_IFMT, stx.stx_ino);
  out->reset(new MirrorFs(options, root));
  return NtStatus::Success;
}

MirrorFs::MirrorFs(const MirrorOptions& options, Node* root)
    : options_(options), root_(table_.Insert(root)), rootDev_(root->dev) {}

MirrorFs::~MirrorFs() {
  table_.Release(root_);
}

size_t MirrorFs::LiveNodes() {
  return table_.Size() - 1;
}

uint64_t MirrorFs::FileIdOf(dev_t dev, ino_t ino) {
  if (dev == rootDev_) return ino;
  uint64_t index;
  {
    std::lock_guard lock(devicesMutex_);
    auto [it, inserted] = deviceIndex_.try_emplace(dev, deviceIndex_.size() + 1);
    index = it->second;
  }
  return (index << 48) | (static_cast<uint64_t>(ino) & ((uint64_t{1} << 48) - 1));
}

void MirrorFs::FillStat(const struct statx& stx, FileStat* stat) {
  *stat = FileStat{};
  stat->fileId = FileIdOf(DevOf(stx), stx.stx_ino);
  stat->mode = stx.stx_mode;
  stat->nlink = stx.stx_nlink;
  stat->uid = stx.stx_uid;
  stat->gid = stx.stx_gid;
  stat->rdev = makedev(stx.stx_rdev_major, stx.stx_rdev_minor);
  stat->size = stx.stx_size;
  stat->allocationSize = stx.stx_blocks * 512;
  stat->atime = {stx.stx_atime.tv_sec, stx.stx_atime.tv_nsec};
  stat->mtime = {stx.stx_mtime.tv_sec, stx.stx_mtime.tv_nsec};
  stat->ctime = {stx.stx_ctime.tv_sec, stx.stx_ctime.tv_nsec};
  stat->btime = (stx.stx_mask & STATX_BTIME)
                    ? FileTimeSpec{stx.stx_btime.tv_sec, stx.stx_btime.tv_nsec}
                    : stat->ctime;
  uint32_t type = stx.stx_mode & S_IFMT;
  if (type == S_IFDIR) {
    stat->attributes = file_attribute::kDirectory;
  } else if (type == S_IFLNK) {
    stat->attributes = file_attribute::kReparsePoint;
  } else {
    stat->attributes = file_attribute::kNormal;
  }
}

NodeRef MirrorFs::Root() {
  return RefOf(root_);
}

NtStatus MirrorFs::GetVolumeInformation(FsVolumeInfo* volume, FsAttributeInfo* attributes) {
  if (volume != nullptr) {
    *volume = FsVolumeInfo{};
    volume->serialNumber = static_cast<uint32_t>(rootDev_ ^ (root_->ino << 8));
    std::snprintf(volume->label, sizeof volume->label, "%s", options_.label.c_str());
  }
  if (attributes != nullptr) {
    *attributes = FsAttributeInfo{};
    attributes->attributes = fs_attribute::kCaseSensitiveSearch |
                             fs_attribute::kCasePreservedNames | fs_attribute::kSupportsHardLinks |
                             fs_attribute::kSupportsExtendedAttributes |
                             fs_attribute::kSupportsSparseFiles | fs_attribute::kPersistentAcls;
    struct statfs fs;
    attributes->maximumComponentNameLength = fstatfs(root_->fd, &fs) == 0 && fs.f_namelen > 0
                                                 ? static_cast<uint32_t>(fs.f_namelen)
                                                 : 255;
    std::snprintf(attributes->fileSystemName, sizeof attributes->fileSystemName, "mirror");
  }
  return NtStatus::Success;
}

NtStatus MirrorFs::GetDiskFreeSpace(FsFullSizeInfo* size) {
  struct statfs fs;
  if (fstatfs(root_->fd, &fs) != 0) return host::HostStatus(errno);
  *size = FsFullSizeInfo{};
  size->totalAllocationUnits = fs.f_blocks;
  size->callerAvailableAllocationUnits = fs.f_bavail;
  size->actualAvailableAllocationUnits = fs.f_bfree;
  size->sectorsPerAllocationUnit = 1;
  size->bytesPerSector = static_cast<uint32_t>(fs.f_frsize > 0 ? fs.f_frsize : fs.f_bsize);
  size->totalFiles = fs.f_files;
  size->freeFiles = fs.f_ffree;
  return NtStatus::Success;
}

NtStatus MirrorFs::AdoptNode(int fd, Node* dir, std::string_view name, Node** out) {
  struct statx stx;
  if (int r = host::StatAt(fd, "", &stx); r < 0) {
    close(fd);
    return StatusOf(r);
  }
  *out = AdoptNode(fd, stx, dir, name);
  return NtStatus::Success;
}

Node* MirrorFs::AdoptNode(int fd, const struct statx& stx, Node* dir, std::string_view name) {
  dev_t dev = DevOf(stx);
  auto* fresh = new Node(fd, dev, stx.stx_ino, stx.stx_mode & S_IFMT, FileIdOf(dev, stx.stx_ino));
  Node* node = table_.Insert(fresh);  // may close fd and return the node already known
  if (node != root_) node->AddName(table_, dir, name);
  return node;
}

NtStatus MirrorFs::LookupNode(Node* dir, std::string_view name, Node** out) {
  Component c;
  if (NtStatus s = MakeComponent(name, &c); !NtSuccess(s)) return s;
  if (!dir->isDirectory()) return NtStatus::NotADirectory;
  // With caching off every stat revalidates its name, and the inode behind it is nearly
  // always a node already held: one statx of the name finds it, where opening the name
  // costs an openat2, a statx and a close. The match is exact because a held node's
  // descriptor keeps its inode number from being reused. A missing name also costs just
  // the statx; only a name not yet known is opened (single component, no symlink
  // followed either way).
  struct statx stx;
  if (int r = host::StatAt(dir->fd, c.text, &stx); r < 0) {
    return r == -ENOENT ? NtStatus::ObjectNameNotFound : StatusOf(r);
  }
  if (Node* known = table_.Find(DevOf(stx), stx.stx_ino)) {
    if (known != root_) known->AddName(table_, dir, name);
    *out = known;
    return NtStatus::Success;
  }
  int fd = host::OpenBeneath(dir->fd, c.text, O_PATH);
  if (fd < 0) return fd == -ENOENT ? NtStatus::ObjectNameNotFound : StatusOf(fd);
  return AdoptNode(fd, dir, name, out);
}

NtStatus MirrorFs::Lookup(const OperationContext& ctx, NodeRef dir, std::string_view name,
                          NodeRef* out) {
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  Node* node = nullptr;
  NtStatus s = LookupNode(NodeOf(dir), name, &node);
  if (NtSuccess(s)) *out = RefOf(node);
  return s;
}

void MirrorFs::Forget(NodeRef node) {
  table_.Release(NodeOf(node));
}

NtStatus MirrorFs::Create(const OperationContext& ctx, NodeRef dirRef, std::string_view name,
                          const fsclass::NewNodeSpec& spec, NodeRef* out) {
  Node* dir = NodeOf(dirRef);
  Component c;
  if (NtStatus s = MakeComponent(name, &c); !NtSuccess(s)) return s;
  if (!dir->isDirectory()) return NtStatus::NotADirectory;
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;

  uint32_t type = spec.mode & S_IFMT;
  mode_t permissions = spec.mode & 07777;
  int made = 0;
  int fd = -1;
  switch (type) {
    case S_IFREG:
      // O_CREAT | O_EXCL opens read-write whatever the new mode says (a created file skips
      // the permission check). That descriptor serves the open of this same request
      // (Open takes it); the node keeps an O_PATH descriptor checked against it.
      made =
          host::OpenBeneath(dir->fd, c.text, O_CREAT | O_EXCL | O_RDWR | O_LARGEFILE, permissions);
      if (made >= 0) {
        fd = made;
        made = 0;
      }
      break;
    case S_IFDIR:
      made = mkdirat(dir->fd, c.text, permissions) == 0 ? 0 : -errno;
      break;
    case S_IFLNK: {
      std::string target(spec.symlinkTarget);
      made = symlinkat(target.c_str(), dir->fd, c.text) == 0 ? 0 : -errno;
      break;
    }
    case S_IFIFO:
    case S_IFCHR:
    case S_IFBLK:
    case S_IFSOCK:
      made = mknodat(dir->fd, c.text, type | permissions, static_cast<dev_t>(spec.rdev)) == 0
                 ? 0
                 : -errno;
      break;
    default:
      return NtStatus::InvalidParameter;
  }
  if (made < 0) return made == -EEXIST ? NtStatus::ObjectNameCollision : StatusOf(made);

  int pathFd = host::OpenBeneath(dir->fd, c.text, O_PATH);
  if (pathFd < 0) {
    if (fd >= 0) close(fd);
    return StatusOf(pathFd);
  }
  struct statx stx;
  if (int r = host::StatAt(pathFd, "", &stx); r < 0) {
    close(pathFd);
    if (fd >= 0) close(fd);
    return StatusOf(r);
  }
  if (fd >= 0) {
    // The name must still be the file this create made (not one swapped in since).
    struct statx made;
    if (host::StatAt(fd, "", &made) != 0 || made.stx_ino != stx.stx_ino ||
        DevOf(made) != DevOf(stx)) {
      close(fd);
      close(pathFd);
      return NtStatus::ObjectNameCollision;
    }
  }
  Node* node = AdoptNode(pathFd, stx, dir, name);
  if (fd >= 0) {
    int previous = node->createdFd.exchange(fd, std::memory_order_acq_rel);
    if (previous >= 0) close(previous);
  }
  // The server's umask masked the bits the class driver asked for: give them back (only
  // add, so a setgid directory's inherited bit stays).
  if (type != S_IFLNK) {
    mode_t have = stx.stx_mode & 07777;
    if ((permissions & 0777 & ~have) != 0) host::ChmodNode(node->fd, have | (permissions & 0777));
  }
  *out = RefOf(node);
  return NtStatus::Success;
}

void MirrorFs::NameGone(Node* dir, std::string_view name, dev_t dev, ino_t ino) {
  if (Node* node = table_.Find(dev, ino)) {
    node->RemoveName(table_, dir, name);
    table_.Release(node);
  }
}

void MirrorFs::NameMoved(Node* fromDir, std::string_view fromName, Node* toDir,
                         std::string_view toName, dev_t dev, ino_t ino) {
  if (Node* node = table_.Find(dev, ino)) {
    node->RemoveName(table_, fromDir, fromName);
    if (node != root_) node->AddName(table_, toDir, toName);
    table_.Release(node);
  }
}

NtStatus MirrorFs::Remove(const OperationContext& ctx, NodeRef dirRef, std::string_view name) {
  Node* dir = NodeOf(dirRef);
  Component c;
  if (NtStatus s = MakeComponent(name, &c); !NtSuccess(s)) return s;
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  struct statx stx;
  if (int r = host::StatAt(dir->fd, c.text, &stx); r < 0) {
    return r == -ENOENT ? NtStatus::ObjectNameNotFound : StatusOf(r);
  }
  int flags = S_ISDIR(stx.stx_mode) ? AT_REMOVEDIR : 0;
  if (unlinkat(dir->fd, c.text, flags) != 0) {
    return errno == ENOENT ? NtStatus::ObjectNameNotFound : host::HostStatus(errno);
  }
  NameGone(dir, name, DevOf(stx), stx.stx_ino);
  return NtStatus::Success;
}

NtStatus MirrorFs::CanRemove(const OperationContext& ctx, NodeRef dirRef, std::string_view,
                             NodeRef) {
  // NT removes the name at the last cleanup, long after the delete was asked for: refuse
  // now what the host would refuse then. Writing and searching the directory is what
  // unlinkat needs (the sticky bit's owner rule is left to the host at removal).
  Node* dir = NodeOf(dirRef);
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  if (faccessat(dir->fd, "", W_OK | X_OK, AT_EACCESS | AT_EMPTY_PATH) != 0) {
    return host::HostStatus(errno);
  }
  return NtStatus::Success;
}

NtStatus MirrorFs::Move(const OperationContext& ctx, NodeRef fromRef, std::string_view fromName,
                        NodeRef toRef, std::string_view toName, uint32_t flags) {
  Node* fromDir = NodeOf(fromRef);
  Node* toDir = NodeOf(toRef);
  Component from, to;
  if (NtStatus s = MakeComponent(fromName, &from); !NtSuccess(s)) return s;
  if (NtStatus s = MakeComponent(toName, &to); !NtSuccess(s)) return s;
  unsigned hostFlags = 0;
  if (flags & rename_flag::kExchange) {
    hostFlags = RENAME_EXCHANGE;
  } else if (!(flags & rename_flag::kReplaceIfExists)) {
    hostFlags = RENAME_NOREPLACE;
  }
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  // Who the names were before, to keep the table's names right afterwards.
  struct statx moved, replaced;
  bool haveMoved = host::StatAt(fromDir->fd, from.text, &moved) == 0;
  bool haveReplaced = host::StatAt(toDir->fd, to.text, &replaced) == 0;
  if (renameat2(fromDir->fd, from.text, toDir->fd, to.text, hostFlags) != 0) {
    int err = errno;
    if (err == EEXIST) return NtStatus::ObjectNameCollision;
    if (err == ENOENT && !haveMoved) return NtStatus::ObjectNameNotFound;
    return host::HostStatus(err);
  }
  if (haveReplaced) {
    if (hostFlags == RENAME_EXCHANGE) {
      NameMoved(toDir, toName, fromDir, fromName, DevOf(replaced), replaced.stx_ino);
    } else {
      NameGone(toDir, toName, DevOf(replaced), replaced.stx_ino);
    }
  }
  if (haveMoved) NameMoved(fromDir, fromName, toDir, toName, DevOf(moved), moved.stx_ino);
  return NtStatus::Success;
}

NtStatus MirrorFs::Link(const OperationContext& ctx, NodeRef nodeRef, NodeRef toRef,
                        std::string_view toName) {
  Node* node = NodeOf(nodeRef);
  Node* toDir = NodeOf(toRef);
  Component to;
  if (NtStatus s = MakeComponent(toName, &to); !NtSuccess(s)) return s;
  IdentityScope identity(identity_, ctx.requestor);
  if (!identity.ok()) return NtStatus::AccessDenied;
  // linkat(AT_EMPTY_PATH) links exactly the node, but needs CAP_DAC_READ_SEARCH, which a
  // root server drops while it runs as an unprivileged caller. Then: by the node's parent
  // and name, checked afterwards against the node's inode.
  if (linkat(node->fd, "", toDir->fd, to.text, AT_EMPTY_PATH) == 0) {
    node->AddName(table_, toDir, toName);
    return NtStatus::Success;
  }
  int err = errno;
  if (err != ENOENT && err != EPERM) return host::HostStatus(err);
  int r = ForEachName(node, [&](int parentFd, const char* name) {
    return linkat(parentFd, name, toDir->fd, to.text, 0) == 0 ? 0 : -errno;
  });
  if (r == -ENOENT && node->NameCount() == 0) return host::HostStatus(err);
  if (r < 0) return r == -EEXIST ? NtStatus::ObjectNameCollision : StatusOf(r);
  struct statx stx;
  if (host::StatAt(toDir->fd, to.text, &stx) != 0 || stx.stx_ino != node->ino ||
      DevOf(stx) != node->dev) {
    unlinkat(toDir->fd, to.text, 0);  // the old name named another file by then
    return NtStatus::ObjectNameNotFound;
  }
  node->AddName(table_, toDir, toName);
  return NtStatus::Success;
}

NtStatus MirrorFs::ReadLink(const OperationContext& ctx, NodeRef nodeRef, char* buffer,
                            uint32_t bufferLength, uint32_t* length) {
  Node* node = NodeOf(nodeRef);
  if ((node->type) != S_IFLNK) return NtStatus::NotAReparsePoint;
  char target[4096];
  ssize_t n = readlinkat(node->fd, "", target, sizeof target);
  if (n < 0) return host::HostStatus(errno);
  *length = static_cast<uint32_t>(n);
  std::memcpy(buffer, target, std::min<size_t>(static_cast<size_t>(n), bufferLength));
  return static_cast<uint32_t>(n) > bufferLength ? NtStatus::BufferOverflow : NtStatus::Success;
}

}  // namespace irpfs::mirror
