// Builds raw FUSE requests, byte for byte as the kernel lays them out, for tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "transport/fuse/fuse_abi.h"

namespace irpfs::fuse::testing {

class RequestBuilder {
 public:
  RequestBuilder(Opcode opcode, uint64_t unique, uint64_t nodeid = kRootId) {
    header_.opcode = static_cast<uint32_t>(opcode);
    header_.unique = unique;
    header_.nodeid = nodeid;
    header_.uid = 1000;
    header_.gid = 1001;
    header_.pid = 4242;
  }

  template <typename T>
  RequestBuilder& Struct(const T& value) {
    return Bytes(&value, sizeof value);
  }
  // A name with its NUL.
  RequestBuilder& Name(std::string_view name) {
    Bytes(name.data(), name.size());
    body_.push_back(std::byte{0});
    return *this;
  }
  RequestBuilder& Bytes(const void* data, size_t size) {
    const auto* bytes = static_cast<const std::byte*>(data);
    body_.insert(body_.end(), bytes, bytes + size);
    return *this;
  }
  RequestBuilder& Text(std::string_view text) { return Bytes(text.data(), text.size()); }
  RequestBuilder& Extensions(uint16_t units) {
    header_.total_extlen = units;
    body_.resize(body_.size() + units * 8u, std::byte{0});
    return *this;
  }
  // Makes header.len lie by `delta` bytes.
  RequestBuilder& LengthDelta(int delta) {
    lengthDelta_ = delta;
    return *this;
  }

  std::vector<std::byte> Build() const {
    fuse_in_header header = header_;
    header.len = static_cast<uint32_t>(sizeof header + body_.size() + lengthDelta_);
    std::vector<std::byte> out(sizeof header + body_.size());
    std::memcpy(out.data(), &header, sizeof header);
    if (!body_.empty()) std::memcpy(out.data() + sizeof header, body_.data(), body_.size());
    return out;
  }

 private:
  fuse_in_header header_{};
  std::vector<std::byte> body_;
  int lengthDelta_ = 0;
};

}  // namespace irpfs::fuse::testing
