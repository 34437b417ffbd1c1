#include "drivers/filters/faults/faults_path.h"

#include <fnmatch.h>

#include <cstring>

#include "core/file_object.h"

namespace irpfs::faults {
namespace {

constexpr int kMaxDepth = 32;

std::string_view StripSlashes(std::string_view name) {
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  while (!name.empty() && name.back() == '/') name.remove_suffix(1);
  return name;
}

}  // namespace

std::string_view FaultsFilePath(const FileObject* fileObject, char (&buffer)[kMaxFaultPath]) {
  std::string_view names[kMaxDepth];
  int depth = 0;
  for (const FileObject* f = fileObject; f != nullptr && depth < kMaxDepth;
       f = f->relatedFileObject) {
    std::string_view name = StripSlashes(f->fileName);
    if (!name.empty()) names[depth++] = name;
  }
  // Fill from the end, so that an overlong path loses its outer components.
  size_t end = kMaxFaultPath - 1;
  size_t start = end;
  buffer[end] = '\0';
  for (int i = 0; i < depth; ++i) {
    std::string_view name = names[i];
    size_t need = name.size() + (start != end ? 1 : 0);
    if (need > start) break;
    if (start != end) buffer[--start] = '/';
    start -= name.size();
    std::memcpy(buffer + start, name.data(), name.size());
  }
  return std::string_view(buffer + start, end - start);
}

bool FaultsPathMatches(const char* pattern, std::string_view path) {
  while (*pattern == '/') ++pattern;
  const char* subject = path.data();
  if (std::strchr(pattern, '/') == nullptr) {
    size_t slash = path.rfind('/');
    if (slash != std::string_view::npos) subject = path.data() + slash + 1;
  }
  return fnmatch(pattern, subject, 0) == 0;
}

}  // namespace irpfs::faults
