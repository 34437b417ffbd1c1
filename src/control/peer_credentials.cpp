#include "control/peer_credentials.h"

#include <sys/socket.h>

namespace irpfs::control {

bool ReadPeerCredentials(int fd, PeerCredentials* peer) {
  struct ucred credentials {};
  socklen_t length = sizeof(credentials);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0 ||
      length != sizeof(credentials)) {
    return false;
  }
  peer->pid = credentials.pid;
  peer->uid = credentials.uid;
  peer->gid = credentials.gid;
  return true;
}

}  // namespace irpfs::control
