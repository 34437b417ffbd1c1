#include "control/runtime_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace irpfs::control {
namespace {

bool IsPlainNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == ':';
}

void AppendHexEscape(unsigned char c, std::string* out) {
  char buffer[5];
  std::snprintf(buffer, sizeof(buffer), "\\x%02x", c);
  out->append(buffer);
}

}  // namespace

std::string RuntimeDirectory() {
  if (geteuid() == 0) return "/run/irpfs";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && *xdg == '/') {
    return std::string(xdg) + "/irpfs";
  }
  return "/tmp/irpfs-" + std::to_string(geteuid());
}

std::string EscapeMountPoint(const std::string& mountPoint) {
  size_t begin = mountPoint.find_first_not_of('/');
  if (begin == std::string::npos) return "-";
  size_t end = mountPoint.find_last_not_of('/') + 1;
  std::string out;
  bool lastWasSlash = false;
  for (size_t i = begin; i < end; ++i) {
    char c = mountPoint[i];
    if (c == '/') {
      // "a//b" is the same directory as "a/b".
      if (!lastWasSlash) out.push_back('-');
      lastWasSlash = true;
      continue;
    }
    lastWasSlash = false;
    // A leading dot would make a hidden file; systemd escapes it too.
    bool leadingDot = c == '.' && out.empty();
    if (IsPlainNameChar(c) && !leadingDot) {
      out.push_back(c);
    } else {
      AppendHexEscape(static_cast<unsigned char>(c), &out);
    }
  }
  return out;
}

std::string ControlSocketPathFor(const std::string& mountPoint) {
  return RuntimeDirectory() + "/" + EscapeMountPoint(mountPoint) + ".sock";
}

NtStatus EnsurePrivateDirectory(const std::string& path, std::string* error) {
  if (path.empty()) {
    *error = "empty directory path";
    return NtStatus::ObjectPathSyntaxBad;
  }
  // Each missing component in turn, so a fresh $XDG_RUNTIME_DIR/irpfs/x works too.
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string prefix = slash == std::string::npos ? path : path.substr(0, slash);
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      int err = errno;
      *error = "cannot create " + prefix + ": " + std::strerror(err);
      return ErrnoToStatus(err);
    }
    if (slash == std::string::npos) break;
  }
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *error = path + " is not a directory";
    return NtStatus::NotADirectory;
  }
  return NtStatus::Success;
}

}  // namespace irpfs::control
