// Mounting and unmounting a FUSE file system, without libfuse.
//
// As root: open /dev/fuse and mount(2) it with fstype "fuse.<subtype>" (plain "fuse" on
// kernels without subtypes) and the options fd=,rootmode=,user_id=,group_id=.
// Otherwise: run fusermount3, the setuid helper, with _FUSE_COMMFD naming one end of a
// socketpair; it mounts and sends the /dev/fuse fd back with SCM_RIGHTS.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace irpfs::fuse {

struct MountOptions {
  std::string mountpoint;
  std::string fsname = "irpfs";   // the "source" column of /proc/mounts
  std::string subtype = "irpfs";  // fstype becomes fuse.<subtype>
  bool allowOther = false;
  bool defaultPermissions = false;
  bool readOnly = false;
  uint32_t maxRead = 0;  // 0: leave the kernel's default
  // Use fusermount3 even as root (tests of the unprivileged path).
  bool forceFusermount = false;
};

struct MountedFuse {
  int fd = -1;  // the session fd, owned by the caller
  bool viaFusermount = false;
};

// Checks that the mount point is an existing directory and that /dev/fuse exists; on
// failure writes one human-readable line to *error.
bool CheckMountPrerequisites(const std::string& mountpoint, std::string* error);

// Mounts; returns false with *error set on failure (nothing is left mounted).
bool MountFuse(const MountOptions& options, MountedFuse* mounted, std::string* error);

// Unmounts `mountpoint`: umount2 (lazily with MNT_DETACH if it is busy) when root and
// not `viaFusermount`, else `fusermount3 -u -z`.
bool UnmountFuse(const std::string& mountpoint, bool viaFusermount, std::string* error);

// The FUSE connection number of the mount at `mountpoint` (its device number, as named
// under /sys/fs/fuse/connections), read from /proc/self/mountinfo. -1 if not a FUSE mount.
long FuseConnectionId(const std::string& mountpoint);
// Whether `mountpoint` is currently a mount point of fstype fuse or fuse.*.
bool IsFuseMounted(const std::string& mountpoint);
// Mounts the fuse control file system at /sys/fs/fuse/connections unless it is there
// (needs CAP_SYS_ADMIN). True when it is mounted afterwards.
bool EnsureFusectlMounted();
// Writes to /sys/fs/fuse/connections/<id>/abort: every request fails, readers get ENODEV.
// Mounts fusectl first when it is missing and the process may.
bool AbortFuseConnection(long connectionId);

}  // namespace irpfs::fuse
