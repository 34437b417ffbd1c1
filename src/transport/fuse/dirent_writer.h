// DirentWriter: packs READDIR / READDIRPLUS records into a reply buffer.
//
// The buffer is the one from Reply::AcquireBuffer(in.size); no allocation. Each Add
// either appends a whole record or, when it would not fit, returns false and leaves the
// buffer as it was: the caller stops there and the kernel asks again from the last
// cookie it received.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "transport/fuse/fuse_abi.h"

namespace irpfs::fuse {

class DirentWriter {
 public:
  explicit DirentWriter(std::span<std::byte> buffer) : buffer_(buffer) {}

  // `nextOffset` is the cookie from which the kernel continues after this entry; `type`
  // is the DT_* value (mode >> 12).
  bool Add(std::string_view name, uint64_t ino, uint32_t type, uint64_t nextOffset) {
    const size_t size = DirentSize(name.size());
    if (name.empty() || size > buffer_.size() - used_) return false;
    std::byte* at = buffer_.data() + used_;
    fuse_dirent d{ino, nextOffset, static_cast<uint32_t>(name.size()), type};
    std::memcpy(at, &d, sizeof d);
    std::memcpy(at + sizeof d, name.data(), name.size());
    std::memset(at + sizeof d + name.size(), 0, size - sizeof d - name.size());
    used_ += size;
    return true;
  }

  // READDIRPLUS: the entry carries a lookup (the kernel takes a reference on
  // entry.nodeid unless it is 0, exactly as for a LOOKUP reply).
  bool AddPlus(std::string_view name, const fuse_entry_out& entry, uint32_t type,
               uint64_t nextOffset) {
    const size_t size = DirentplusSize(name.size());
    if (name.empty() || size > buffer_.size() - used_) return false;
    std::byte* at = buffer_.data() + used_;
    fuse_direntplus d{entry,
                      {entry.attr.ino, nextOffset, static_cast<uint32_t>(name.size()), type}};
    std::memcpy(at, &d, sizeof d);
    std::memcpy(at + sizeof d, name.data(), name.size());
    std::memset(at + sizeof d + name.size(), 0, size - sizeof d - name.size());
    used_ += size;
    return true;
  }

  size_t used() const { return used_; }
  bool empty() const { return used_ == 0; }

 private:
  std::span<std::byte> buffer_;
  size_t used_ = 0;
};

}  // namespace irpfs::fuse
