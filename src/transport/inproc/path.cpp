#include "transport/inproc/path.h"

namespace irpfs::inproc::detail {
namespace {

bool IsSeparator(char c) {
  return c == '/' || c == '\\';
}

}  // namespace

NtStatus NormalizePath(std::string_view path, std::string* out) {
  out->clear();
  if (path.empty()) return NtStatus::ObjectNameInvalid;
  if (path.find('\0') != std::string_view::npos) return NtStatus::ObjectNameInvalid;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && IsSeparator(path[i])) ++i;
    size_t start = i;
    while (i < path.size() && !IsSeparator(path[i])) ++i;
    std::string_view component = path.substr(start, i - start);
    if (component.empty()) break;
    if (component == "." || component == "..") return NtStatus::ObjectNameInvalid;
    out->push_back(kVolumeSeparator);
    out->append(component);
  }
  if (out->empty()) out->push_back(kVolumeSeparator);
  return NtStatus::Success;
}

NtStatus SplitSearchPath(std::string_view path, std::string* directory, std::string* pattern) {
  if (path.empty() || path.find('\0') != std::string_view::npos) {
    return NtStatus::ObjectNameInvalid;
  }
  size_t cut = path.size();
  while (cut > 0 && !IsSeparator(path[cut - 1])) --cut;
  std::string_view last = path.substr(cut);
  std::string_view dir = path.substr(0, cut);
  *pattern = last.empty() ? "*" : std::string(last);
  if (dir.empty()) dir = "/";
  return NormalizePath(dir, directory);
}

}  // namespace irpfs::inproc::detail
