// DispatcherImpl: construction, the root node, forgets, shutdown, and the step table.
#include "transport/fuse/dispatcher_impl.h"

#include <unistd.h>

#include <cerrno>

#include "core/io_manager.h"
#include "transport/fuse/dispatcher_irps.h"
#include "transport/fuse/dispatcher_operation.h"

namespace irpfs::fuse {

using detail::Next;
using detail::Operation;
using detail::OpKind;

DispatcherImpl::DispatcherImpl(VolumeStack* stack, std::unique_ptr<VolumeStack> ownedStack,
                               const DispatcherOptions& options)
    : ownedStack_(std::move(ownedStack)), stack_(stack), volume_(stack->base()), options_(options) {
  continuation_ = std::thread([this] { ContinuationLoop(); });
}

NtStatus DispatcherImpl::Create(DeviceObject* volume, const DispatcherOptions& options,
                                std::unique_ptr<DispatcherImpl>* out) {
  if (volume == nullptr || out == nullptr) return NtStatus::InvalidParameter;
  auto stack = std::make_unique<VolumeStack>(volume);
  VolumeStack* borrowed = stack.get();
  std::unique_ptr<DispatcherImpl> dispatcher(
      new DispatcherImpl(borrowed, std::move(stack), options));
  NtStatus status = dispatcher->OpenRoot();
  if (!NtSuccess(status)) return status;
  *out = std::move(dispatcher);
  return NtStatus::Success;
}

NtStatus DispatcherImpl::Create(VolumeStack* stack, const DispatcherOptions& options,
                                std::unique_ptr<DispatcherImpl>* out) {
  if (stack == nullptr || out == nullptr) return NtStatus::InvalidParameter;
  std::unique_ptr<DispatcherImpl> dispatcher(new DispatcherImpl(stack, nullptr, options));
  NtStatus status = dispatcher->OpenRoot();
  if (!NtSuccess(status)) return status;
  *out = std::move(dispatcher);
  return NtStatus::Success;
}

DispatcherImpl::~DispatcherImpl() {
  // Closing the handles sends their CLEANUPs, which complete IRPs still pending on them
  // (blocked locks); then every request still in flight can finish.
  CloseEverything();
  {
    std::unique_lock lock(idleMutex_);
    idle_.wait(lock, [this] { return inFlight_.load() == 0; });
  }
  {
    std::lock_guard lock(deferMutex_);
    deferStop_ = true;
  }
  deferred_.notify_all();
  continuation_.join();
}

// The root is opened once, synchronously, before the channel starts: a mount whose
// root cannot be opened should fail at mount time with the driver's status.
NtStatus DispatcherImpl::OpenRoot() {
  FileObject* root = nullptr;
  uint64_t fileId = 0;
  nodeAccess_ = detail::kNodeAccess;
  NtStatus status = OpenRootWith(nodeAccess_, &root, &fileId);
  if (status == NtStatus::MediaWriteProtected || status == NtStatus::AccessDenied) {
    // A read-only volume (or a filter that makes it one): nodes get read rights only,
    // and whatever would change an attribute fails on its own IRP, with EROFS.
    nodeAccess_ = detail::kReadOnlyNodeAccess;
    status = OpenRootWith(nodeAccess_, &root, &fileId);
  }
  if (!NtSuccess(status)) return status;
  nodes_.SetRoot(root, fileId);
  return NtStatus::Success;
}

NtStatus DispatcherImpl::OpenRootWith(uint32_t access, FileObject** out, uint64_t* fileId) {
  Requestor self{getpid(), getuid(), getgid()};
  FileObject* root = IoCreateFileObject(volume_);
  root->fileName = "/";
  root->opener = self;

  // Sized generously; VolumeStack fits it to the stack as it is when sent.
  Irp* irp = IoAllocateIrp(kMaxStackSize);
  irp->requestor = self;
  IoStackLocation* location = IoGetNextIrpStackLocation(irp);
  location->majorFunction = IrpMajor::Create;
  location->fileObject = root;
  CreateParameters& create = location->parameters.create;
  create = CreateParameters{};
  create.desiredAccess = access;
  create.shareAccess = share::kAll;
  create.disposition = CreateDisposition::Open;
  create.options = create_option::kDirectoryFile | create_option::kOpenReparsePoint;
  NtStatus status = stack_->CallSynchronous(irp);
  if (!NtSuccess(status)) {
    IoFreeIrp(irp);
    stack_->Dereference(root);
    return status;
  }
  ObOpenHandle(root);
  ObDereferenceObject(root);

  FileStat stat;
  IoInitializeIrp(irp, kMaxStackSize);
  irp->requestor = self;
  irp->bufferMethod = BufferMethod::Buffered;
  irp->systemBuffer = &stat;
  location = IoGetNextIrpStackLocation(irp);
  location->majorFunction = IrpMajor::QueryInformation;
  location->fileObject = root;
  location->parameters.queryFile.length = sizeof stat;
  location->parameters.queryFile.fileInformationClass = FileInformationClass::FileStatInformation;
  status = stack_->CallSynchronous(irp);
  IoFreeIrp(irp);
  if (!NtSuccess(status)) {
    stack_->CloseHandle(root);
    return status;
  }
  *out = root;
  *fileId = stat.fileId;
  return NtStatus::Success;
}

void DispatcherImpl::Init(const ConnectionInfo& info) {
  connection_ = info;
  backing_.Enable(info.Has(init_flag::kPassthrough) ? info.backingFiles : nullptr);
}

// ---- Forgets.

void DispatcherImpl::Forget(const RequestContext& ctx, uint64_t nlookup) {
  FileObject* released = nodes_.Forget(NodeId{ctx.nodeid}, nlookup);
  if (released != nullptr) stack_->CloseHandle(released);
}

void DispatcherImpl::BatchForget(const RequestContext&, std::span<const fuse_forget_one> items) {
  for (const fuse_forget_one& item : items) {
    FileObject* released = nodes_.Forget(NodeId{item.nodeid}, item.nlookup);
    if (released != nullptr) stack_->CloseHandle(released);
  }
}

// ---- Shutdown.

void DispatcherImpl::Destroy(const RequestContext&, Reply reply) {
  // The kernel holds no open any more; its backing ids go before the session does.
  backing_.CloseAll();
  CloseEverything();
  reply.Empty();
}

void DispatcherImpl::CloseAll(const std::vector<FileObject*>& fileObjects) {
  for (FileObject* fileObject : fileObjects) stack_->CloseHandle(fileObject);
}

void DispatcherImpl::CloseEverything() {
  // Handles first: an open keeps its node's FCB alive anyway, and closing the nodes
  // first would only reorder the CLOSEs.
  CloseAll(handles_.Clear());
  CloseAll(nodes_.Clear());
}

// ---- Steps.

Next DispatcherImpl::Step(Operation& op) {
  switch (op.kind) {
    case OpKind::kLookup:
      return StepLookup(op);
    case OpKind::kMakeNode:
      return StepMakeNode(op);
    case OpKind::kCreate:
      return StepCreate(op);
    case OpKind::kRemove:
      return StepRemove(op);
    case OpKind::kRename:
      return StepRename(op);
    case OpKind::kLink:
      return StepLink(op);
    case OpKind::kGetattr:
      return StepGetattr(op);
    case OpKind::kSetattr:
      return StepSetattr(op);
    case OpKind::kAccess:
      return StepAccess(op);
    case OpKind::kStatfs:
      return StepStatfs(op);
    case OpKind::kReadlink:
      return StepReadlink(op);
    case OpKind::kOpen:
      return StepOpen(op);
    case OpKind::kRead:
      return StepRead(op);
    case OpKind::kWrite:
      return StepWrite(op);
    case OpKind::kSimple:
      return StepSimple(op);
    case OpKind::kReaddir:
      return StepReaddir(op);
    case OpKind::kReaddirplus:
      return StepReaddirplus(op);
    case OpKind::kGetxattr:
      return StepGetxattr(op);
    case OpKind::kGetlk:
      return StepGetlk(op);
    case OpKind::kLseek:
      return StepLseek(op);
    case OpKind::kIoctl:
      return StepIoctl(op);
    case OpKind::kCopyRange:
      return StepCopyRange(op);
  }
  return Fail(op, NtStatus::InternalError);
}

void DispatcherImpl::ReleaseHeld(Operation& op) {
  for (FileObject** handle : {&op.opened, &op.opened2, &op.created}) {
    if (*handle != nullptr) stack_->CloseHandle(*handle);
    *handle = nullptr;
  }
  for (FileObject** reference : {&op.fo, &op.fo2}) {
    if (*reference != nullptr) stack_->Dereference(*reference);
    *reference = nullptr;
  }
}

Next DispatcherImpl::Fail(Operation& op, NtStatus status) {
  ReleaseHeld(op);
  int err = StatusToErrno(status);
  // A status that maps to "no error" cannot answer a request that expected data.
  op.reply.Error(err != 0 ? err : EIO);
  return Next::kDone;
}

fuse_entry_out DispatcherImpl::EntryOut(const NodeEntry& entry, const FileStat& stat) const {
  fuse_entry_out out{};
  out.nodeid = entry.id.value;
  out.generation = entry.generation;
  detail::SplitTimeout(options_.entryTimeout, &out.entry_valid, &out.entry_valid_nsec);
  detail::SplitTimeout(options_.attrTimeout, &out.attr_valid, &out.attr_valid_nsec);
  out.attr = detail::ToFuseAttr(stat);
  return out;
}

fuse_attr_out DispatcherImpl::AttrOut(const FileStat& stat) const {
  fuse_attr_out out{};
  detail::SplitTimeout(options_.attrTimeout, &out.attr_valid, &out.attr_valid_nsec);
  out.attr = detail::ToFuseAttr(stat);
  return out;
}

}  // namespace irpfs::fuse
