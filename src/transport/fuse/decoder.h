// Decoding one raw FUSE request into typed arguments, once, with bounds checks.
//
// DecodeRequest is a pure function over a byte span (no I/O, no allocation, no global
// state), so it can be fuzzed on its own. The result borrows from the span: names and
// payloads point into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "transport/fuse/fuse_abi.h"
#include "transport/fuse/reply.h"

namespace irpfs::fuse {

// The fixed argument struct of a request, zero-extended when the kernel sent an older,
// shorter form. Read the member named after the opcode's struct.
union FixedArgs {
  std::byte raw[sizeof(fuse_setattr_in)];
  fuse_forget_in forget;
  fuse_batch_forget_in batchForget;
  fuse_getattr_in getattr;
  fuse_setattr_in setattr;
  fuse_statx_in statx;
  fuse_mknod_in mknod;
  fuse_mkdir_in mkdir;
  fuse_rename_in rename;
  fuse_rename2_in rename2;
  fuse_link_in link;
  fuse_open_in open;
  fuse_create_in create;
  fuse_read_in read;
  fuse_write_in write;
  fuse_release_in release;
  fuse_flush_in flush;
  fuse_fsync_in fsync;
  fuse_setxattr_in setxattr;
  fuse_getxattr_in getxattr;
  fuse_lk_in lk;
  fuse_access_in access;
  fuse_init_in init;
  fuse_interrupt_in interrupt;
  fuse_ioctl_in ioctl;
  fuse_poll_in poll;
  fuse_fallocate_in fallocate;
  fuse_lseek_in lseek;
  fuse_copy_file_range_in copyFileRange;
};
static_assert(sizeof(FixedArgs) == sizeof(fuse_setattr_in));

// How the arguments after fuse_in_header are laid out, per opcode.
enum class ArgLayout : uint8_t {
  kNone,           // nothing
  kFixed,          // struct
  kName,           // name\0
  kTwoNames,       // name\0 name\0 (symlink: new name, then target)
  kFixedName,      // struct name\0
  kFixedTwoNames,  // struct name\0 name\0 (rename, rename2)
  kWrite,          // fuse_write_in + write.size bytes
  kIoctl,          // fuse_ioctl_in + ioctl.in_size bytes
  kSetxattr,       // fuse_setxattr_in (8 or 16 bytes) name\0 + setxattr.size bytes
  kBatchForget,    // fuse_batch_forget_in + count * fuse_forget_one (8-byte aligned)
};

// One entry per opcode the channel understands. (Handlers live in op_table.h.)
struct OpSpec {
  std::string_view name;  // "LOOKUP", for logs and traces
  ArgLayout layout = ArgLayout::kNone;
  uint16_t argSize = 0;     // the full fixed struct
  uint16_t minArgSize = 0;  // the shortest form a supported kernel may send
  bool noReply = false;     // FORGET, BATCH_FORGET, NOTIFY_REPLY: the kernel expects no answer
};

// nullptr for opcodes irpfs does not know (the channel answers ENOSYS).
const OpSpec* FindOpSpec(uint32_t opcode);

struct DecodedRequest {
  RequestContext ctx;
  uint32_t opcode = 0;  // raw value, also for unknown opcodes
  const OpSpec* spec = nullptr;
  FixedArgs args{};
  std::string_view name;               // first name (or the only one)
  std::string_view name2;              // second name: rename's new name, symlink's target
  std::span<const std::byte> payload;  // write data, ioctl input, xattr value
  std::span<const fuse_forget_one> forgets;
};

enum class DecodeError : uint8_t {
  kNone,
  kShortHeader,     // fewer bytes than fuse_in_header: no unique to answer
  kLengthMismatch,  // header.len disagrees with the bytes read
  kUnknownOpcode,
  kShortArguments,  // fixed struct (or extension area) cut short
  kMissingNul,      // a name runs to the end without its NUL
  kEmptyName,
  kShortPayload,  // fewer payload bytes than the struct announces
  kMisaligned,    // batch-forget array not 8-byte aligned in the buffer
};
std::string_view DecodeErrorName(DecodeError error);

struct DecodeOptions {
  // FUSE_SETXATTR_EXT was agreed: fuse_setxattr_in is 16 bytes, else 8.
  bool setxattrExt = false;
};

// Decodes `bytes` (exactly what one read(2) returned). On any error other than
// kShortHeader, out->ctx and out->opcode are filled so the caller can answer.
DecodeError DecodeRequest(std::span<const std::byte> bytes, const DecodeOptions& options,
                          DecodedRequest* out);

}  // namespace irpfs::fuse
