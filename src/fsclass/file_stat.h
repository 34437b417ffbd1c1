// The stat of an open's node as the class driver reports it: the mini's answer, completed
// with what the class driver knows better (delete pending, the file id, attributes a mini
// left empty).
#pragma once

#include "core/fs_info.h"
#include "fsclass/dispatch.h"

namespace irpfs::fsclass {

NtStatus StatOf(VolumeContext& volume, const OperationContext& ctx, Fcb* fcb, FileStat* stat);

}  // namespace irpfs::fsclass
