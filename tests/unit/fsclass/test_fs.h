// A small in-memory MiniFileSystem for the class driver's tests: directories, files,
// symlinks, hard links, xattrs, with counters that let tests check the class driver's
// bookkeeping (node references, opens, closes).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "fsclass/mini_fs.h"

namespace irpfs::fsclass::testing {

class TestFs : public MiniFileSystem {
 public:
  TestFs();

  NodeRef Root() override;
  NtStatus Lookup(const OperationContext& ctx, NodeRef dir, std::string_view name,
                  NodeRef* out) override;
  void Forget(NodeRef node) override;
  NtStatus Create(const OperationContext& ctx, NodeRef dir, std::string_view name,
                  const NewNodeSpec& spec, NodeRef* out) override;
  NtStatus Remove(const OperationContext& ctx, NodeRef dir, std::string_view name) override;
  NtStatus Move(const OperationContext& ctx, NodeRef fromDir, std::string_view fromName,
                NodeRef toDir, std::string_view toName, uint32_t flags) override;
  NtStatus Link(const OperationContext& ctx, NodeRef node, NodeRef toDir,
                std::string_view toName) override;
  NtStatus ReadLink(const OperationContext& ctx, NodeRef node, char* buffer, uint32_t bufferLength,
                    uint32_t* length) override;
  NtStatus Open(const OperationContext& ctx, NodeRef node, uint32_t grantedAccess,
                uint32_t openFlags, void** openContext) override;
  void Close(NodeRef node, void* openContext) override;
  NtStatus Read(const OperationContext& ctx, NodeRef node, void* openContext, void* buffer,
                uint32_t length, uint64_t offset, uint32_t* bytesRead) override;
  NtStatus Write(const OperationContext& ctx, NodeRef node, void* openContext, const void* buffer,
                 uint32_t length, uint64_t offset, bool append, uint32_t* bytesWritten,
                 uint64_t* writeOffset) override;
  NtStatus CopyRange(const OperationContext& ctx, NodeRef srcNode, void* srcOpen,
                     uint64_t srcOffset, NodeRef dstNode, void* dstOpen, uint64_t dstOffset,
                     uint64_t length, uint64_t* copied) override;
  NtStatus GetFileInformation(const OperationContext& ctx, NodeRef node, FileStat* stat) override;
  NtStatus SetFileInformation(const OperationContext& ctx, NodeRef node, void* openContext,
                              const FilePosixInfo& info) override;
  NtStatus FindFiles(const OperationContext& ctx, NodeRef dir, void* openContext,
                     uint64_t afterCookie, DirectoryFiller& filler) override;
  NtStatus GetEa(const OperationContext& ctx, NodeRef node, std::string_view name, void* buffer,
                 uint32_t bufferLength, uint32_t* length) override;
  NtStatus SetEa(const OperationContext& ctx, NodeRef node, std::string_view name,
                 const void* value, uint32_t valueLength, uint32_t flags) override;

  // What the last FindFiles's filler said of NeedsFullStat (-1: no FindFiles yet).
  std::atomic<int> lastFindNeedsFullStat{-1};
  // The open context the last Open returned (each open gets its own) and the one the last
  // FindFiles was given.
  std::atomic<void*> lastOpenContext{nullptr};
  std::atomic<void*> lastFindOpenContext{nullptr};

  // Test helpers (thread-safe).
  bool Exists(const std::string& path);
  std::string Content(const std::string& path);
  void SetAttributes(const std::string& path, uint32_t attributes);
  uint32_t ModeOf(const std::string& path);
  uint32_t UidOf(const std::string& path);

  std::atomic<int64_t> nodeRefs{0};        // Lookup/Create minus Forget
  std::atomic<int64_t> openCount{0};       // Open minus Close
  std::atomic<uintptr_t> openSerial{0};    // Open's contexts: 1, 2, 3... (never null)
  std::atomic<bool> failOpen{false};       // Open fails with STATUS_ACCESS_DENIED
  std::atomic<uint32_t> lastOpenFlags{0};  // openFlags of the last Open
  std::atomic<bool> throwOnRead{false};
  std::atomic<bool> throwOnLookup{false};
  std::atomic<int> copyCalls{0};             // CopyRange calls that reached the mini
  std::atomic<bool> copyUnsupported{false};  // CopyRange answers as the default does
  // When set, CopyRange copies this many bytes, cancels its IRP (an interrupt arriving)
  // and stops there, as a mini that checks ctx.Cancelled() between pieces does.
  std::atomic<uint64_t> copyPieceThenCancel{0};

 private:
  struct Node {
    uint32_t mode = 0;
    uint32_t uid = 0, gid = 0;
    uint32_t nlink = 1;
    uint32_t attributes = 0;
    std::string data;                                              // file content or symlink target
    std::map<uint64_t, std::pair<std::string, uint64_t>> entries;  // cookie -> (name, id)
    std::map<std::string, uint64_t, std::less<>> byName;           // name -> cookie
    uint64_t nextCookie = 1;
    std::map<std::string, std::string, std::less<>> xattrs;
  };
  Node* Find(uint64_t id);
  uint64_t Resolve(const std::string& path);
  void AddEntry(Node& dir, std::string_view name, uint64_t id);
  void RemoveEntry(Node& dir, std::string_view name);

  std::mutex mutex_;
  std::unordered_map<uint64_t, Node> nodes_;
  uint64_t nextId_ = 2;
};

}  // namespace irpfs::fsclass::testing
