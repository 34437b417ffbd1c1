#include "drivers/memfs/xattrs.h"

#include <cstring>

namespace irpfs::memfs {

NtStatus XattrSet::ValidateName(std::string_view name) {
  if (name.empty() || name.size() > kMaxXattrNameLength) return NtStatus::InvalidEaName;
  for (std::string_view prefix : {"user.", "trusted.", "security."}) {
    // A bare prefix names nothing (Linux: EINVAL).
    if (name.starts_with(prefix)) {
      return name.size() > prefix.size() ? NtStatus::Success : NtStatus::InvalidEaName;
    }
  }
  return NtStatus::NotSupported;
}

const std::string* XattrSet::Find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

void XattrSet::Set(std::string_view name, std::string_view value) {
  auto it = entries_.find(name);
  if (it != entries_.end()) {
    std::string copy(value);  // may throw before anything changes
    charged_ -= Cost(name, it->second.size());
    it->second.swap(copy);
  } else {
    entries_.emplace(std::string(name), std::string(value));
  }
  charged_ += Cost(name, value.size());
}

void XattrSet::Erase(std::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return;
  charged_ -= Cost(name, it->second.size());
  entries_.erase(it);
}

uint32_t XattrSet::ListLength() const {
  uint32_t length = 0;
  for (const auto& [name, value] : entries_) length += static_cast<uint32_t>(name.size()) + 1;
  return length;
}

void XattrSet::List(char* out) const {
  for (const auto& [name, value] : entries_) {
    std::memcpy(out, name.data(), name.size());
    out[name.size()] = '\0';
    out += name.size() + 1;
  }
}

}  // namespace irpfs::memfs
