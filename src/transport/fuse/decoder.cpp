#include "transport/fuse/decoder.h"

#include <array>
#include <cstring>

namespace irpfs::fuse {
namespace {

struct SpecRow {
  Opcode opcode;
  OpSpec spec;
};

template <typename T>
constexpr uint16_t Size() {
  return static_cast<uint16_t>(sizeof(T));
}

// The kernel's argument layout of every opcode we handle (fs/fuse/*.c, args.in_args).
constexpr SpecRow kRows[] = {
    {Opcode::kLookup, {"LOOKUP", ArgLayout::kName}},
    {Opcode::kForget,
     {"FORGET", ArgLayout::kFixed, Size<fuse_forget_in>(), Size<fuse_forget_in>(), true}},
    {Opcode::kGetattr,
     {"GETATTR", ArgLayout::kFixed, Size<fuse_getattr_in>(), Size<fuse_getattr_in>()}},
    {Opcode::kSetattr,
     {"SETATTR", ArgLayout::kFixed, Size<fuse_setattr_in>(), Size<fuse_setattr_in>()}},
    {Opcode::kReadlink, {"READLINK", ArgLayout::kNone}},
    {Opcode::kSymlink, {"SYMLINK", ArgLayout::kTwoNames}},
    {Opcode::kMknod,
     {"MKNOD", ArgLayout::kFixedName, Size<fuse_mknod_in>(), Size<fuse_mknod_in>()}},
    {Opcode::kMkdir,
     {"MKDIR", ArgLayout::kFixedName, Size<fuse_mkdir_in>(), Size<fuse_mkdir_in>()}},
    {Opcode::kUnlink, {"UNLINK", ArgLayout::kName}},
    {Opcode::kRmdir, {"RMDIR", ArgLayout::kName}},
    {Opcode::kRename,
     {"RENAME", ArgLayout::kFixedTwoNames, Size<fuse_rename_in>(), Size<fuse_rename_in>()}},
    {Opcode::kLink, {"LINK", ArgLayout::kFixedName, Size<fuse_link_in>(), Size<fuse_link_in>()}},
    {Opcode::kOpen, {"OPEN", ArgLayout::kFixed, Size<fuse_open_in>(), Size<fuse_open_in>()}},
    {Opcode::kRead, {"READ", ArgLayout::kFixed, Size<fuse_read_in>(), Size<fuse_read_in>()}},
    {Opcode::kWrite, {"WRITE", ArgLayout::kWrite, Size<fuse_write_in>(), Size<fuse_write_in>()}},
    {Opcode::kStatfs, {"STATFS", ArgLayout::kNone}},
    {Opcode::kRelease,
     {"RELEASE", ArgLayout::kFixed, Size<fuse_release_in>(), Size<fuse_release_in>()}},
    {Opcode::kFsync, {"FSYNC", ArgLayout::kFixed, Size<fuse_fsync_in>(), Size<fuse_fsync_in>()}},
    {Opcode::kSetxattr,
     {"SETXATTR", ArgLayout::kSetxattr, Size<fuse_setxattr_in>(),
      static_cast<uint16_t>(kCompatSetxattrInSize)}},
    {Opcode::kGetxattr,
     {"GETXATTR", ArgLayout::kFixedName, Size<fuse_getxattr_in>(), Size<fuse_getxattr_in>()}},
    {Opcode::kListxattr,
     {"LISTXATTR", ArgLayout::kFixed, Size<fuse_getxattr_in>(), Size<fuse_getxattr_in>()}},
    {Opcode::kRemovexattr, {"REMOVEXATTR", ArgLayout::kName}},
    {Opcode::kFlush, {"FLUSH", ArgLayout::kFixed, Size<fuse_flush_in>(), Size<fuse_flush_in>()}},
    {Opcode::kInit,
     {"INIT", ArgLayout::kFixed, Size<fuse_init_in>(), static_cast<uint16_t>(kCompatInitInSize)}},
    {Opcode::kOpendir, {"OPENDIR", ArgLayout::kFixed, Size<fuse_open_in>(), Size<fuse_open_in>()}},
    {Opcode::kReaddir, {"READDIR", ArgLayout::kFixed, Size<fuse_read_in>(), Size<fuse_read_in>()}},
    {Opcode::kReleasedir,
     {"RELEASEDIR", ArgLayout::kFixed, Size<fuse_release_in>(), Size<fuse_release_in>()}},
    {Opcode::kFsyncdir,
     {"FSYNCDIR", ArgLayout::kFixed, Size<fuse_fsync_in>(), Size<fuse_fsync_in>()}},
    {Opcode::kGetlk, {"GETLK", ArgLayout::kFixed, Size<fuse_lk_in>(), Size<fuse_lk_in>()}},
    {Opcode::kSetlk, {"SETLK", ArgLayout::kFixed, Size<fuse_lk_in>(), Size<fuse_lk_in>()}},
    {Opcode::kSetlkw, {"SETLKW", ArgLayout::kFixed, Size<fuse_lk_in>(), Size<fuse_lk_in>()}},
    {Opcode::kAccess,
     {"ACCESS", ArgLayout::kFixed, Size<fuse_access_in>(), Size<fuse_access_in>()}},
    {Opcode::kCreate,
     {"CREATE", ArgLayout::kFixedName, Size<fuse_create_in>(), Size<fuse_create_in>()}},
    {Opcode::kInterrupt,
     {"INTERRUPT", ArgLayout::kFixed, Size<fuse_interrupt_in>(), Size<fuse_interrupt_in>()}},
    {Opcode::kDestroy, {"DESTROY", ArgLayout::kNone}},
    {Opcode::kIoctl, {"IOCTL", ArgLayout::kIoctl, Size<fuse_ioctl_in>(), Size<fuse_ioctl_in>()}},
    {Opcode::kPoll, {"POLL", ArgLayout::kFixed, Size<fuse_poll_in>(), Size<fuse_poll_in>()}},
    {Opcode::kNotifyReply, {"NOTIFY_REPLY", ArgLayout::kNone, 0, 0, true}},
    {Opcode::kBatchForget,
     {"BATCH_FORGET", ArgLayout::kBatchForget, Size<fuse_batch_forget_in>(),
      Size<fuse_batch_forget_in>(), true}},
    {Opcode::kFallocate,
     {"FALLOCATE", ArgLayout::kFixed, Size<fuse_fallocate_in>(), Size<fuse_fallocate_in>()}},
    {Opcode::kReaddirplus,
     {"READDIRPLUS", ArgLayout::kFixed, Size<fuse_read_in>(), Size<fuse_read_in>()}},
    {Opcode::kRename2,
     {"RENAME2", ArgLayout::kFixedTwoNames, Size<fuse_rename2_in>(), Size<fuse_rename2_in>()}},
    {Opcode::kLseek, {"LSEEK", ArgLayout::kFixed, Size<fuse_lseek_in>(), Size<fuse_lseek_in>()}},
    {Opcode::kCopyFileRange,
     {"COPY_FILE_RANGE", ArgLayout::kFixed, Size<fuse_copy_file_range_in>(),
      Size<fuse_copy_file_range_in>()}},
    {Opcode::kTmpfile,
     {"TMPFILE", ArgLayout::kFixedName, Size<fuse_create_in>(), Size<fuse_create_in>()}},
    {Opcode::kStatx, {"STATX", ArgLayout::kFixed, Size<fuse_statx_in>(), Size<fuse_statx_in>()}},
    {Opcode::kCopyFileRange64,
     {"COPY_FILE_RANGE_64", ArgLayout::kFixed, Size<fuse_copy_file_range_in>(),
      Size<fuse_copy_file_range_in>()}},
};

constexpr std::array<OpSpec, kOpcodeTableSize> BuildTable() {
  std::array<OpSpec, kOpcodeTableSize> table{};
  for (const SpecRow& row : kRows) table[static_cast<uint32_t>(row.opcode)] = row.spec;
  return table;
}
constexpr std::array<OpSpec, kOpcodeTableSize> kTable = BuildTable();

// Every fixed struct fits the union the decoder copies into.
constexpr bool ArgsFit() {
  for (const SpecRow& row : kRows) {
    if (row.spec.argSize > sizeof(FixedArgs) || row.spec.minArgSize > row.spec.argSize) {
      return false;
    }
  }
  return true;
}
static_assert(ArgsFit());

// Takes a NUL-terminated, non-empty name from the front of `rest`.
DecodeError TakeName(std::span<const std::byte>& rest, std::string_view* name) {
  const void* nul = std::memchr(rest.data(), 0, rest.size());
  if (nul == nullptr) return DecodeError::kMissingNul;
  size_t length = static_cast<const std::byte*>(nul) - rest.data();
  if (length == 0) return DecodeError::kEmptyName;
  *name = std::string_view(reinterpret_cast<const char*>(rest.data()), length);
  rest = rest.subspan(length + 1);
  return DecodeError::kNone;
}

// Copies the fixed struct (zero-extending a short compat form) off the front of `rest`.
DecodeError TakeFixed(std::span<const std::byte>& rest, size_t size, size_t minSize,
                      FixedArgs* args) {
  if (rest.size() < minSize) return DecodeError::kShortArguments;
  size_t take = rest.size() < size ? rest.size() : size;
  std::memset(args->raw, 0, sizeof args->raw);
  std::memcpy(args->raw, rest.data(), take);
  rest = rest.subspan(take);
  return DecodeError::kNone;
}

DecodeError TakePayload(std::span<const std::byte>& rest, uint64_t size,
                        std::span<const std::byte>* payload) {
  if (rest.size() < size) return DecodeError::kShortPayload;
  *payload = rest.first(static_cast<size_t>(size));
  rest = rest.subspan(static_cast<size_t>(size));
  return DecodeError::kNone;
}

DecodeError DecodeArguments(std::span<const std::byte> rest, const OpSpec& spec,
                            const DecodeOptions& options, DecodedRequest* out) {
  DecodeError error = DecodeError::kNone;
  switch (spec.layout) {
    case ArgLayout::kNone:
      return DecodeError::kNone;
    case ArgLayout::kFixed:
      return TakeFixed(rest, spec.argSize, spec.minArgSize, &out->args);
    case ArgLayout::kName:
      return TakeName(rest, &out->name);
    case ArgLayout::kTwoNames:
      if ((error = TakeName(rest, &out->name)) != DecodeError::kNone) return error;
      return TakeName(rest, &out->name2);
    case ArgLayout::kFixedName:
      // The name starts right after the struct, so the struct must be complete.
      if ((error = TakeFixed(rest, spec.argSize, spec.argSize, &out->args)) != DecodeError::kNone) {
        return error;
      }
      return TakeName(rest, &out->name);
    case ArgLayout::kFixedTwoNames:
      if ((error = TakeFixed(rest, spec.argSize, spec.argSize, &out->args)) != DecodeError::kNone) {
        return error;
      }
      if ((error = TakeName(rest, &out->name)) != DecodeError::kNone) return error;
      return TakeName(rest, &out->name2);
    case ArgLayout::kWrite:
      if ((error = TakeFixed(rest, spec.argSize, spec.argSize, &out->args)) != DecodeError::kNone) {
        return error;
      }
      return TakePayload(rest, out->args.write.size, &out->payload);
    case ArgLayout::kIoctl:
      if ((error = TakeFixed(rest, spec.argSize, spec.argSize, &out->args)) != DecodeError::kNone) {
        return error;
      }
      return TakePayload(rest, out->args.ioctl.in_size, &out->payload);
    case ArgLayout::kSetxattr: {
      size_t size = options.setxattrExt ? sizeof(fuse_setxattr_in) : kCompatSetxattrInSize;
      if ((error = TakeFixed(rest, size, size, &out->args)) != DecodeError::kNone) {
        return error;
      }
      if ((error = TakeName(rest, &out->name)) != DecodeError::kNone) return error;
      return TakePayload(rest, out->args.setxattr.size, &out->payload);
    }
    case ArgLayout::kBatchForget: {
      if ((error = TakeFixed(rest, spec.argSize, spec.argSize, &out->args)) != DecodeError::kNone) {
        return error;
      }
      uint64_t count = out->args.batchForget.count;
      if (rest.size() / sizeof(fuse_forget_one) < count) return DecodeError::kShortPayload;
      if (reinterpret_cast<uintptr_t>(rest.data()) % alignof(fuse_forget_one) != 0) {
        return DecodeError::kMisaligned;
      }
      out->forgets = std::span<const fuse_forget_one>(
          reinterpret_cast<const fuse_forget_one*>(rest.data()), static_cast<size_t>(count));
      return DecodeError::kNone;
    }
  }
  return DecodeError::kShortArguments;
}

}  // namespace

const OpSpec* FindOpSpec(uint32_t opcode) {
  if (opcode >= kTable.size() || kTable[opcode].name.empty()) return nullptr;
  return &kTable[opcode];
}

std::string_view DecodeErrorName(DecodeError error) {
  switch (error) {
    case DecodeError::kNone:
      return "ok";
    case DecodeError::kShortHeader:
      return "short header";
    case DecodeError::kLengthMismatch:
      return "length mismatch";
    case DecodeError::kUnknownOpcode:
      return "unknown opcode";
    case DecodeError::kShortArguments:
      return "short arguments";
    case DecodeError::kMissingNul:
      return "name without NUL";
    case DecodeError::kEmptyName:
      return "empty name";
    case DecodeError::kShortPayload:
      return "short payload";
    case DecodeError::kMisaligned:
      return "misaligned array";
  }
  return "?";
}

DecodeError DecodeRequest(std::span<const std::byte> bytes, const DecodeOptions& options,
                          DecodedRequest* out) {
  *out = DecodedRequest{};
  fuse_in_header header;
  if (bytes.size() < sizeof header) return DecodeError::kShortHeader;
  std::memcpy(&header, bytes.data(), sizeof header);
  out->opcode = header.opcode;
  out->ctx = RequestContext{header.unique, header.nodeid, header.uid,
                            header.gid,    header.pid,    static_cast<Opcode>(header.opcode)};
  const OpSpec* spec = FindOpSpec(header.opcode);
  out->spec = spec;
  if (header.len != bytes.size()) return DecodeError::kLengthMismatch;
  if (spec == nullptr) return DecodeError::kUnknownOpcode;

  // Extensions (security contexts, supplementary groups) sit after the arguments; we
  // negotiate none of them, and keep them out of every name and payload.
  std::span<const std::byte> rest = bytes.subspan(sizeof header);
  size_t extensions = size_t{header.total_extlen} * 8;
  if (extensions > rest.size()) return DecodeError::kShortArguments;
  rest = rest.first(rest.size() - extensions);
  return DecodeArguments(rest, *spec, options, out);
}

}  // namespace irpfs::fuse
