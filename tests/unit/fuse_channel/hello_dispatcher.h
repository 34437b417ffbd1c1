// A tiny read-only file system for channel tests: "/" holding "hello" (13 bytes).
// It speaks FuseDispatcher directly (no IRPs), so it tests the channel alone.
#pragma once

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "transport/fuse/dirent_writer.h"
#include "transport/fuse/dispatcher.h"

namespace irpfs::fuse::testing {

inline constexpr std::string_view kHelloName = "hello";
inline constexpr std::string_view kHelloData = "Hello, world\n";
inline constexpr uint64_t kHelloIno = 2;

class HelloDispatcher : public FuseDispatcher {
 public:
  std::atomic<int> initCalls{0};
  std::atomic<int> forgets{0};
  ConnectionInfo info;

  void Init(const ConnectionInfo& connection) override {
    info = connection;
    ++initCalls;
  }

  static fuse_attr AttrOf(uint64_t ino) {
    fuse_attr attr{};
    attr.ino = ino;
    attr.nlink = ino == kRootId ? 2 : 1;
    attr.mode = ino == kRootId ? (S_IFDIR | 0755) : (S_IFREG | 0444);
    attr.size = ino == kRootId ? 0 : kHelloData.size();
    attr.blksize = 4096;
    return attr;
  }

  void Lookup(const RequestContext& ctx, std::string_view name, Reply reply) override {
    if (ctx.nodeid != kRootId || name != kHelloName) return reply.Error(ENOENT);
    fuse_entry_out entry{};
    entry.nodeid = kHelloIno;
    entry.generation = 1;
    entry.attr = AttrOf(kHelloIno);
    reply.Entry(entry);
  }

  void Forget(const RequestContext&, uint64_t) override { ++forgets; }

  void Getattr(const RequestContext& ctx, const fuse_getattr_in&, Reply reply) override {
    if (ctx.nodeid != kRootId && ctx.nodeid != kHelloIno) return reply.Error(ENOENT);
    fuse_attr_out out{};
    out.attr = AttrOf(ctx.nodeid);
    reply.Attr(out);
  }

  void Open(const RequestContext& ctx, const fuse_open_in& in, Reply reply) override {
    if (ctx.nodeid != kHelloIno) return reply.Error(EISDIR);
    if ((in.flags & O_ACCMODE) != O_RDONLY) return reply.Error(EACCES);
    reply.Open(fuse_open_out{7, fopen::kKeepCache, 0});
  }

  void Read(const RequestContext&, const fuse_read_in& in, Reply reply) override {
    if (in.offset >= kHelloData.size()) return reply.Data({});
    size_t size = std::min<size_t>(in.size, kHelloData.size() - in.offset);
    reply.Data(std::as_bytes(std::span(kHelloData.data() + in.offset, size)));
  }

  void Release(const RequestContext&, const fuse_release_in&, Reply reply) override {
    reply.Empty();
  }

  void Opendir(const RequestContext& ctx, const fuse_open_in&, Reply reply) override {
    if (ctx.nodeid != kRootId) return reply.Error(ENOTDIR);
    reply.Open(fuse_open_out{});
  }

  void Readdir(const RequestContext&, const fuse_read_in& in, Reply reply) override {
    std::span<std::byte> buffer = reply.AcquireBuffer(in.size);
    DirentWriter writer(buffer.first(std::min<size_t>(buffer.size(), in.size)));
    struct Row {
      std::string_view name;
      uint64_t ino;
      uint32_t type;
    };
    const Row rows[] = {
        {".", kRootId, DT_DIR}, {"..", kRootId, DT_DIR}, {kHelloName, kHelloIno, DT_REG}};
    for (uint64_t i = in.offset; i < std::size(rows); ++i) {
      if (!writer.Add(rows[i].name, rows[i].ino, rows[i].type, i + 1)) break;
    }
    reply.Buffer(writer.used());
  }

  void Releasedir(const RequestContext&, const fuse_release_in&, Reply reply) override {
    reply.Empty();
  }

  void Statfs(const RequestContext&, Reply reply) override {
    fuse_kstatfs st{};
    st.bsize = 4096;
    st.frsize = 4096;
    st.namelen = 255;
    st.blocks = 100;
    st.bfree = 50;
    st.bavail = 50;
    reply.Statfs(st);
  }
};

}  // namespace irpfs::fuse::testing
