// MountControl: the control channel of one mounted volume (docs/control-protocol.md).
// It serves the mount's unix socket (root and the mounting uid only), registers the mount
// in the registry (so `irpfs list` and `irpfs devtree` find it) and answers devstack,
// drvobj, trace (stream), stats, faults, attach and detach from the live VolumeStack.
#pragma once

#include <memory>
#include <string>

#include "control/control_server.h"
#include "control/mount_registry.h"
#include "core/status.h"
#include "tools/mounted_volume.h"
#include "tools/trace_tap.h"

namespace irpfs::tools {

class MountControl {
 public:
  // `volume` must be started and outlive this object.
  MountControl(MountedVolume* volume, std::string mountPoint);
  MountControl(const MountControl&) = delete;
  MountControl& operator=(const MountControl&) = delete;
  ~MountControl();

  // Creates the socket and the registry record. On failure *error holds one line.
  NtStatus Start(std::string* error);
  // Closes the socket, ends the streams and removes the record.
  void Stop();

 private:
  void RegisterCommands();
  // The registry record of the mount as it is now (its filters change).
  control::MountRecord Record() const;
  // Rewrites the registry record (the filter list changed).
  void UpdateRecord();
  control::CommandReply Attach(const control::Json& request);
  control::CommandReply Detach(const control::Json& request);
  control::CommandReply Stats(const control::Json& request);
  control::CommandReply Faults(const control::Json& request);
  control::CommandReply Passthrough(const control::Json& request);
  control::StreamStart Trace(const control::Json& request,
                             std::shared_ptr<control::StreamSink> sink);

  MountedVolume* volume_;
  std::string mountPoint_;
  control::MountRegistry registry_;
  control::MountRegistration registration_;
  int64_t mountedAt_ = 0;
  std::unique_ptr<control::ControlServer> server_;
  std::unique_ptr<TraceTap> tap_;
};

}  // namespace irpfs::tools
