#include "drivers/mirror/mirror_options.h"

#include <limits.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace irpfs::mirror {

NtStatus ParseMirrorOptions(std::string_view text, MirrorOptions* options) {
  MirrorOptions parsed = *options;
  bool sawSource = false;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view key = eq == std::string_view::npos ? std::string_view{} : item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? item : item.substr(eq + 1);
    if (eq == std::string_view::npos || key == "source") {
      if (value.empty() || sawSource) return NtStatus::InvalidParameter;
      parsed.source.assign(value);
      sawSource = true;
    } else if (key == "label") {
      if (value.size() > 63) return NtStatus::InvalidParameter;
      parsed.label.assign(value);
    } else if (key == "dir_readahead") {
      if (value != "on" && value != "off") return NtStatus::InvalidParameter;
      parsed.dirReadAhead = value == "on";
    } else {
      return NtStatus::InvalidParameter;
    }
  }
  *options = std::move(parsed);
  return NtStatus::Success;
}

namespace {

// The absolute, symlink-free form of `path`; for a path that does not exist yet, its
// existing ancestor's real path plus the rest.
std::string RealOrLexical(const std::string& path) {
  char buffer[PATH_MAX];
  if (realpath(path.c_str(), buffer) != nullptr) return buffer;
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return RealOrLexical(".") + "/" + path;
  std::string head = slash == 0 ? "/" : path.substr(0, slash);
  std::string base = RealOrLexical(head);
  if (base.size() > 1) base += '/';
  return base + path.substr(slash + 1);
}

// True when `outer` is `inner` or one of its ancestors (both absolute and normalized).
bool IsSameOrAncestor(const std::string& outer, const std::string& inner) {
  if (outer == "/") return true;
  if (inner.compare(0, outer.size(), outer) != 0) return false;
  return inner.size() == outer.size() || inner[outer.size()] == '/';
}

}  // namespace

NtStatus ValidateMirrorSource(std::string_view source, std::string_view mountPoint,
                              std::string* message) {
  std::string src(source);
  struct stat st;
  if (src.empty()) {
    *message = "mirror: no source directory given";
    return NtStatus::InvalidParameter;
  }
  if (stat(src.c_str(), &st) != 0) {
    int err = errno;
    *message = "mirror: source '" + src + "': " + std::strerror(err);
    return err == ENOENT ? NtStatus::ObjectPathNotFound : ErrnoToStatus(err);
  }
  if (!S_ISDIR(st.st_mode)) {
    *message = "mirror: source '" + src + "' is not a directory";
    return NtStatus::NotADirectory;
  }
  if (mountPoint.empty()) return NtStatus::Success;
  std::string realSource = RealOrLexical(src);
  std::string realMount = RealOrLexical(std::string(mountPoint));
  if (realSource == realMount) {
    *message = "mirror: source '" + src + "' is the mount point itself";
    return NtStatus::InvalidParameter;
  }
  if (IsSameOrAncestor(realSource, realMount)) {
    *message =
        "mirror: source '" + src + "' contains the mount point '" + std::string(mountPoint) + "'";
    return NtStatus::InvalidParameter;
  }
  return NtStatus::Success;
}

}  // namespace irpfs::mirror
