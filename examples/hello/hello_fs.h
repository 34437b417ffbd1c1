// The smallest irpfs file system: a read-only root holding "hello.txt".
#pragma once

#include <string_view>

#include "core/device.h"
#include "fsclass/mini_fs.h"

namespace irpfs::hello {

inline constexpr std::string_view kFileName = "hello.txt";
inline constexpr std::string_view kContent = "Hello from irpfs\n";

class HelloFileSystem final : public fsclass::MiniFileSystem {
 public:
  fsclass::NodeRef Root() override;
  NtStatus Lookup(const fsclass::OperationContext& ctx, fsclass::NodeRef dir, std::string_view name,
                  fsclass::NodeRef* out) override;
  NtStatus GetFileInformation(const fsclass::OperationContext& ctx, fsclass::NodeRef node,
                              FileStat* stat) override;
  NtStatus Read(const fsclass::OperationContext& ctx, fsclass::NodeRef node, void* openContext,
                void* buffer, uint32_t length, uint64_t offset, uint32_t* bytesRead) override;
  NtStatus FindFiles(const fsclass::OperationContext& ctx, fsclass::NodeRef dir, void* openContext,
                     uint64_t afterCookie, fsclass::DirectoryFiller& filler) override;
};

// Registers the class driver's dispatch table and creates the read-only volume "hello".
NtStatus HelloDriverEntry(DriverObject* driver, std::string_view parameters);

}  // namespace irpfs::hello
