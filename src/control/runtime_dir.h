// Where the control sockets and mount records of irpfs live, and how a mount point is
// turned into a file name there.
//
// The directory is /run/irpfs for root, else $XDG_RUNTIME_DIR/irpfs, else
// /tmp/irpfs-<uid> (the same rule as the tool's log and pid files). A mount point names its
// files unambiguously, after systemd-escape: "/mnt/a-b" -> "mnt-a\x2db", "/" -> "-".
#pragma once

#include <string>

#include "core/status.h"

namespace irpfs::control {

// The runtime directory of the calling user (nothing is created).
std::string RuntimeDirectory();

// The escaped file stem of an absolute mount point (trailing slashes ignored).
std::string EscapeMountPoint(const std::string& mountPoint);

// The default control socket of a mount: <RuntimeDirectory()>/<escaped>.sock.
std::string ControlSocketPathFor(const std::string& mountPoint);

// Creates `path` (and missing parents) with mode 0700. An existing directory is left as it
// is. On failure *error holds one line.
NtStatus EnsurePrivateDirectory(const std::string& path, std::string* error);

}  // namespace irpfs::control
