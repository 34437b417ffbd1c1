#include "fsclass/path.h"

#include "fsclass/mini_call.h"

namespace irpfs::fsclass {

NtStatus ValidateComponent(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return NtStatus::ObjectNameInvalid;
  if (name.find('\0') != std::string_view::npos) return NtStatus::ObjectNameInvalid;
  if (name.size() > kMaxComponentLength) return NtStatus::NameTooLong;
  return NtStatus::Success;
}

NtStatus ParseName(std::string_view fileName, bool absolute, ParsedName* out) {
  *out = ParsedName{};
  if (absolute) {
    if (fileName.empty() || fileName.front() != '/') return NtStatus::ObjectNameInvalid;
    fileName.remove_prefix(1);
  } else if (!fileName.empty() && fileName.front() == '/') {
    return NtStatus::ObjectNameInvalid;
  }
  if (!fileName.empty() && fileName.back() == '/') {
    out->trailingSlash = true;
    fileName.remove_suffix(1);
    if (fileName.empty()) return NtStatus::ObjectNameInvalid;  // "//" or a lone "/" relative
  }
  std::string_view rest = fileName;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view component = rest.substr(0, slash);
    NtStatus s = ValidateComponent(component);
    if (!NtSuccess(s)) return s;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
    if (rest.empty()) return NtStatus::ObjectNameInvalid;
  }
  out->relative = fileName;
  return NtStatus::Success;
}

void SplitLast(std::string_view relative, std::string_view* dirPart, std::string_view* last) {
  size_t slash = relative.rfind('/');
  if (slash == std::string_view::npos) {
    *dirPart = {};
    *last = relative;
  } else {
    *dirPart = relative.substr(0, slash);
    *last = relative.substr(slash + 1);
  }
}

NtStatus LookupChild(VolumeContext& volume, const OperationContext& ctx, Fcb* dir,
                     std::string_view name, Fcb** out) {
  *out = nullptr;
  NodeRef node;
  NtStatus s = Guarded([&] { return volume.mini().Lookup(ctx, dir->node, name, &node); });
  if (IsNotFound(s)) return NtStatus::ObjectNameNotFound;
  if (!NtSuccess(s)) return s;
  return volume.fcbs().Acquire(ctx, node, 0, out);
}

NtStatus WalkDirectories(VolumeContext& volume, const OperationContext& ctx, Fcb* start,
                         std::string_view dirPart, Fcb** out) {
  *out = nullptr;
  volume.fcbs().Reference(start);
  FcbRef current(volume.fcbs(), start);
  std::string_view rest = dirPart;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view component = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (!current->IsDirectory()) return NtStatus::ObjectPathNotFound;
    Fcb* next = nullptr;
    NtStatus s = LookupChild(volume, ctx, current.get(), component, &next);
    if (s == NtStatus::ObjectNameNotFound || s == NtStatus::NotADirectory) {
      return NtStatus::ObjectPathNotFound;
    }
    if (!NtSuccess(s)) return s;
    current.Reset(next);
  }
  if (!current->IsDirectory()) return NtStatus::ObjectPathNotFound;
  *out = current.release();
  return NtStatus::Success;
}

}  // namespace irpfs::fsclass
