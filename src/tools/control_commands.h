// The `irpfs` commands that talk to live mounts over their control sockets:
//   list, devtree, devstack MOUNT, drvobj DRIVER [--mount MOUNT],
//   trace MOUNT [--json] [--match PATTERN], stats MOUNT [--reset],
//   faults MOUNT [show | set RULES | clear], attach MOUNT FILTER[:OPTS] [--altitude N],
//   detach MOUNT FILTER.
// Each takes its arguments after the command word (argv[0] is the command), prints its
// view on stdout, and on a mistake prints one line on stderr and returns non-zero.
#pragma once

#include <string>

namespace irpfs::tools {

// True when `command` is one of the above.
bool IsControlCommand(const std::string& command);
int RunControlCommand(const std::string& command, int argc, char** argv);

}  // namespace irpfs::tools
