// Who is at the other end of a unix socket, as the kernel recorded it at connect(2)
// (SO_PEERCRED): a client cannot forge these, unlike anything it sends.
#pragma once

#include <sys/types.h>

namespace irpfs::control {

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// False when the socket has no peer credentials (not a connected unix socket).
bool ReadPeerCredentials(int fd, PeerCredentials* peer);

// The control channel's rule: root, or the uid that mounted.
inline bool PeerMayControl(const PeerCredentials& peer, uid_t ownerUid) {
  return peer.uid == 0 || peer.uid == ownerUid;
}

}  // namespace irpfs::control
