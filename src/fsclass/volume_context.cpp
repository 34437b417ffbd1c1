#include "fsclass/volume_context.h"

#include "fsclass/mini_call.h"

namespace irpfs::fsclass {

VolumeContext::VolumeContext(std::shared_ptr<MiniFileSystem> mini, VolumeOptions options)
    : mini_(std::move(mini)), options_(std::move(options)), fcbs_(*mini_) {}

VolumeContext::~VolumeContext() {
  if (root_) fcbs_.Release(root_);
}

NtStatus VolumeContext::Mount() {
  NodeRef rootNode;
  NtStatus s = Guarded([&] {
    rootNode = mini_->Root();
    return NtStatus::Success;
  });
  if (!NtSuccess(s)) return s;
  OperationContext ctx;
  return fcbs_.AcquireRoot(ctx, rootNode, &root_);
}

}  // namespace irpfs::fsclass
