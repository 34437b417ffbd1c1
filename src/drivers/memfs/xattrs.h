// Extended attributes of one node: names with a namespace prefix ("user.", "trusted.",
// "security.") mapped to opaque values, as Linux keeps them.
//
// Not thread-safe: the owning node's mutex guards it (node.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace irpfs::memfs {

inline constexpr uint32_t kMaxXattrNameLength = 255;         // XATTR_NAME_MAX
inline constexpr uint32_t kMaxXattrValueLength = 64 * 1024;  // XATTR_SIZE_MAX

class XattrSet {
 public:
  // STATUS_SUCCESS for a name memfs stores; NOT_SUPPORTED (EOPNOTSUPP) for a namespace it
  // does not (system.* would promise ACL semantics memfs does not enforce);
  // INVALID_EA_NAME for an empty or over-long name.
  static NtStatus ValidateName(std::string_view name);
  // Capacity an attribute is charged for.
  static uint64_t Cost(std::string_view name, size_t valueLength) {
    return name.size() + valueLength;
  }

  const std::string* Find(std::string_view name) const;
  // Adds or replaces. May throw std::bad_alloc, leaving the set as it was.
  void Set(std::string_view name, std::string_view value);
  void Erase(std::string_view name);

  // Length of the NUL-separated name list, and the list itself into `out` (which must
  // hold ListLength() bytes).
  uint32_t ListLength() const;
  void List(char* out) const;

  // Sum of Cost() over all attributes.
  uint64_t chargedBytes() const { return charged_; }

 private:
  std::map<std::string, std::string, std::less<>> entries_;
  uint64_t charged_ = 0;
};

}  // namespace irpfs::memfs
