// The decoder, on well-formed requests of every layout and on each way a request can be
// malformed.
#include "transport/fuse/decoder.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "request_builder.h"

namespace irpfs::fuse {
namespace {

using testing::RequestBuilder;

// The decoder borrows from the buffer; keep it 8-byte aligned as the channel's are.
struct AlignedBuffer {
  explicit AlignedBuffer(const std::vector<std::byte>& bytes) : storage((bytes.size() + 7) / 8) {
    if (!bytes.empty()) std::memcpy(storage.data(), bytes.data(), bytes.size());
    size = bytes.size();
  }
  std::span<const std::byte> span() const {
    return {reinterpret_cast<const std::byte*>(storage.data()), size};
  }
  std::vector<uint64_t> storage;
  size_t size;
};

DecodeError Decode(const std::vector<std::byte>& bytes, DecodedRequest* out,
                   DecodeOptions options = {}) {
  static thread_local std::unique_ptr<AlignedBuffer> keep;
  keep = std::make_unique<AlignedBuffer>(bytes);
  return DecodeRequest(keep->span(), options, out);
}

TEST(DecoderTest, HeaderFieldsGoToTheContext) {
  DecodedRequest r;
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kStatfs, 42, 7).Build(), &r), DecodeError::kNone);
  EXPECT_EQ(r.ctx.unique, 42u);
  EXPECT_EQ(r.ctx.nodeid, 7u);
  EXPECT_EQ(r.ctx.uid, 1000u);
  EXPECT_EQ(r.ctx.gid, 1001u);
  EXPECT_EQ(r.ctx.pid, 4242u);
  EXPECT_EQ(r.ctx.opcode, Opcode::kStatfs);
  EXPECT_EQ(r.spec->name, "STATFS");
}

TEST(DecoderTest, Lookup) {
  DecodedRequest r;
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kLookup, 2).Name("file.txt").Build(), &r),
            DecodeError::kNone);
  EXPECT_EQ(r.name, "file.txt");
  EXPECT_EQ(r.name.data()[r.name.size()], '\0');  // usable as a C string
}

TEST(DecoderTest, FixedStruct) {
  fuse_getattr_in in{kGetattrFh, 0, 99};
  DecodedRequest r;
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kGetattr, 2).Struct(in).Build(), &r), DecodeError::kNone);
  EXPECT_EQ(r.args.getattr.getattr_flags, kGetattrFh);
  EXPECT_EQ(r.args.getattr.fh, 99u);
}

TEST(DecoderTest, LongerStructFromANewerKernelIsAccepted) {
  fuse_open_in in{O_RDWR, 0};
  uint64_t extra = 0xFFFF;
  DecodedRequest r;
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kOpen, 2).Struct(in).Struct(extra).Build(), &r),
            DecodeError::kNone);
  EXPECT_EQ(r.args.open.flags, static_cast<uint32_t>(O_RDWR));
}

TEST(DecoderTest, MkdirStructThenName) {
  fuse_mkdir_in in{0755, 022};
  DecodedRequest r;
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kMkdir, 2).Struct(in).Name("dir").Build(), &r),
            DecodeError::kNone);
  EXPECT_EQ(r.args.mkdir.mode, 0755u);
  EXPECT_EQ(r.args.mkdir.umask, 022u);
  EXPECT_EQ(r.name, "dir");
}

TEST(DecoderTest, SymlinkNameThenTarget) {
  DecodedRequest r;
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kSymlink, 2).Name("link").Name("../a/b").Build(), &r),
            DecodeError::kNone);
  EXPECT_EQ(r.name, "link");
  EXPECT_EQ(r.name2, "../a/b");
}

TEST(DecoderTest, RenameAndRename2) {
  DecodedRequest r;
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kRename, 2)
                       .Struct(fuse_rename_in{5})
                       .Name("old")
                       .Name("new")
                       .Build(),
                   &r),
            DecodeError::kNone);
  EXPECT_EQ(r.args.rename.newdir, 5u);
  EXPECT_EQ(r.name, "old");
  EXPECT_EQ(r.name2, "new");

  ASSERT_EQ(Decode(RequestBuilder(Opcode::kRename2, 4)
                       .Struct(fuse_rename2_in{6, 1, 0})
                       .Name("a")
                       .Name("b")
                       .Build(),
                   &r),
            DecodeError::kNone);
  EXPECT_EQ(r.args.rename2.newdir, 6u);
  EXPECT_EQ(r.args.rename2.flags, 1u);
  EXPECT_EQ(r.name2, "b");
}

TEST(DecoderTest, WritePayloadPointsIntoTheBuffer) {
  fuse_write_in in{};
  in.fh = 3;
  in.offset = 4096;
  in.size = 5;
  DecodedRequest r;
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kWrite, 2).Struct(in).Text("hello").Build(), &r),
            DecodeError::kNone);
  ASSERT_EQ(r.payload.size(), 5u);
  EXPECT_EQ(std::memcmp(r.payload.data(), "hello", 5), 0);
  EXPECT_EQ(r.args.write.offset, 4096u);
}

TEST(DecoderTest, WriteShorterThanAnnounced) {
  fuse_write_in in{};
  in.size = 10;
  DecodedRequest r;
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kWrite, 2).Struct(in).Text("short").Build(), &r),
            DecodeError::kShortPayload);
}

TEST(DecoderTest, SetxattrCompatAndExtendedForms) {
  DecodedRequest r;
  uint32_t compat[2] = {3, 0};  // size, flags
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kSetxattr, 2)
                       .Bytes(compat, sizeof compat)
                       .Name("user.k")
                       .Text("abc")
                       .Build(),
                   &r),
            DecodeError::kNone);
  EXPECT_EQ(r.name, "user.k");
  EXPECT_EQ(r.payload.size(), 3u);
  EXPECT_EQ(r.args.setxattr.setxattr_flags, 0u);  // zero-extended

  fuse_setxattr_in ext{2, 0, kSetxattrAclKillSgid, 0};
  DecodeOptions options;
  options.setxattrExt = true;
  ASSERT_EQ(
      Decode(RequestBuilder(Opcode::kSetxattr, 4).Struct(ext).Name("user.k").Text("xy").Build(), &r,
             options),
      DecodeError::kNone);
  EXPECT_EQ(r.args.setxattr.setxattr_flags, kSetxattrAclKillSgid);
  EXPECT_EQ(r.payload.size(), 2u);
}

TEST(DecoderTest, EmptyXattrValue) {
  DecodedRequest r;
  uint32_t compat[2] = {0, 0};
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kSetxattr, 2)
                       .Bytes(compat, sizeof compat)
                       .Name("user.empty")
                       .Build(),
                   &r),
            DecodeError::kNone);
  EXPECT_TRUE(r.payload.empty());
}

TEST(DecoderTest, IoctlInput) {
  fuse_ioctl_in in{};
  in.cmd = 0x1234;
  in.in_size = 4;
  in.out_size = 8;
  DecodedRequest r;
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kIoctl, 2).Struct(in).Text("abcd").Build(), &r),
            DecodeError::kNone);
  EXPECT_EQ(r.payload.size(), 4u);
  in.in_size = 5;
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kIoctl, 2).Struct(in).Text("abcd").Build(), &r),
            DecodeError::kShortPayload);
}

TEST(DecoderTest, BatchForget) {
  fuse_batch_forget_in in{2, 0};
  fuse_forget_one items[2] = {{10, 1}, {11, 3}};
  DecodedRequest r;
  ASSERT_EQ(
      Decode(RequestBuilder(Opcode::kBatchForget, 2).Struct(in).Bytes(items, sizeof items).Build(),
             &r),
      DecodeError::kNone);
  ASSERT_EQ(r.forgets.size(), 2u);
  EXPECT_EQ(r.forgets[1].nodeid, 11u);
  EXPECT_EQ(r.forgets[1].nlookup, 3u);
  EXPECT_TRUE(r.spec->noReply);

  in.count = 3;  // one more than present
  EXPECT_EQ(
      Decode(RequestBuilder(Opcode::kBatchForget, 2).Struct(in).Bytes(items, sizeof items).Build(),
             &r),
      DecodeError::kShortPayload);
  in.count = 0xFFFFFFFF;  // count * 16 must not overflow into "fits"
  EXPECT_EQ(
      Decode(RequestBuilder(Opcode::kBatchForget, 2).Struct(in).Bytes(items, sizeof items).Build(),
             &r),
      DecodeError::kShortPayload);
}

TEST(DecoderTest, BatchForgetMisaligned) {
  std::vector<std::byte> bytes = RequestBuilder(Opcode::kBatchForget, 2)
                                     .Struct(fuse_batch_forget_in{1, 0})
                                     .Struct(fuse_forget_one{3, 1})
                                     .Build();
  std::vector<uint64_t> storage(bytes.size() / 8 + 2);
  auto* base = reinterpret_cast<std::byte*>(storage.data()) + 4;
  std::memcpy(base, bytes.data(), bytes.size());
  DecodedRequest r;
  EXPECT_EQ(DecodeRequest({base, bytes.size()}, {}, &r), DecodeError::kMisaligned);
}

TEST(DecoderTest, InitCompatFormIsZeroExtended) {
  uint32_t old[4] = {7, 31, 65536, init_flag::kAsyncRead};
  DecodedRequest r;
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kInit, 2).Bytes(old, sizeof old).Build(), &r),
            DecodeError::kNone);
  EXPECT_EQ(r.args.init.minor, 31u);
  EXPECT_EQ(r.args.init.flags2, 0u);
  uint32_t tooShort[3] = {7, 31, 0};
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kInit, 2).Bytes(tooShort, sizeof tooShort).Build(), &r),
            DecodeError::kShortArguments);
}

TEST(DecoderTest, ExtensionsAreKeptOutOfNames) {
  DecodedRequest r;
  // The name's NUL is inside the extension area only: it must not count.
  std::vector<std::byte> bytes =
      RequestBuilder(Opcode::kLookup, 2).Text("abc").Extensions(1).Build();
  EXPECT_EQ(Decode(bytes, &r), DecodeError::kMissingNul);
  ASSERT_EQ(Decode(RequestBuilder(Opcode::kLookup, 2).Name("abc").Extensions(2).Build(), &r),
            DecodeError::kNone);
  EXPECT_EQ(r.name, "abc");
  // More extension units than bytes.
  std::vector<std::byte> lying = RequestBuilder(Opcode::kLookup, 2).Name("abc").Build();
  fuse_in_header header;
  std::memcpy(&header, lying.data(), sizeof header);
  header.total_extlen = 100;
  std::memcpy(lying.data(), &header, sizeof header);
  EXPECT_EQ(Decode(lying, &r), DecodeError::kShortArguments);
}

// ---- Malformed.

TEST(DecoderTest, ShortHeader) {
  std::vector<std::byte> bytes = RequestBuilder(Opcode::kStatfs, 2).Build();
  for (size_t size : {size_t{0}, size_t{1}, size_t{16}, sizeof(fuse_in_header) - 1}) {
    DecodedRequest r;
    bytes.resize(size);
    EXPECT_EQ(Decode(bytes, &r), DecodeError::kShortHeader) << size;
  }
}

TEST(DecoderTest, LengthLies) {
  DecodedRequest r;
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kLookup, 8).Name("x").LengthDelta(1).Build(), &r),
            DecodeError::kLengthMismatch);
  EXPECT_EQ(r.ctx.unique, 8u);  // still answerable
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kLookup, 8).Name("x").LengthDelta(-1).Build(), &r),
            DecodeError::kLengthMismatch);
  // len smaller than the header itself.
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kStatfs, 8).LengthDelta(-30).Build(), &r),
            DecodeError::kLengthMismatch);
}

TEST(DecoderTest, UnknownOpcodes) {
  DecodedRequest r;
  for (uint32_t opcode : {0u, 7u, 19u, 37u, 48u, 50u, 54u, 999u, 4096u}) {
    std::vector<std::byte> bytes = RequestBuilder(static_cast<Opcode>(opcode), 10).Build();
    EXPECT_EQ(Decode(bytes, &r), DecodeError::kUnknownOpcode) << opcode;
    EXPECT_EQ(r.opcode, opcode);
    EXPECT_EQ(r.ctx.unique, 10u);
  }
}

TEST(DecoderTest, NameWithoutNul) {
  DecodedRequest r;
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kLookup, 2).Text("abc").Build(), &r),
            DecodeError::kMissingNul);
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kUnlink, 2).Build(), &r), DecodeError::kMissingNul);
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kSymlink, 2).Name("a").Text("b").Build(), &r),
            DecodeError::kMissingNul);
  EXPECT_EQ(
      Decode(RequestBuilder(Opcode::kMkdir, 2).Struct(fuse_mkdir_in{0755, 0}).Text("dir").Build(),
             &r),
      DecodeError::kMissingNul);
  uint32_t compat[2] = {0, 0};
  EXPECT_EQ(
      Decode(
          RequestBuilder(Opcode::kSetxattr, 2).Bytes(compat, sizeof compat).Text("user.x").Build(),
          &r),
      DecodeError::kMissingNul);
}

TEST(DecoderTest, EmptyName) {
  DecodedRequest r;
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kLookup, 2).Name("").Build(), &r),
            DecodeError::kEmptyName);
  EXPECT_EQ(
      Decode(
          RequestBuilder(Opcode::kRename, 2).Struct(fuse_rename_in{1}).Name("a").Name("").Build(),
          &r),
      DecodeError::kEmptyName);
}

TEST(DecoderTest, FixedStructCutShort) {
  DecodedRequest r;
  fuse_read_in in{};
  std::vector<std::byte> bytes = RequestBuilder(Opcode::kRead, 2).Bytes(&in, sizeof in - 1).Build();
  EXPECT_EQ(Decode(bytes, &r), DecodeError::kShortArguments);
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kGetattr, 2).Build(), &r), DecodeError::kShortArguments);
  // A name op whose struct is cut short must not read the name from the struct's bytes.
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kCreate, 2).Name("abc").Build(), &r),
            DecodeError::kShortArguments);
  EXPECT_EQ(Decode(RequestBuilder(Opcode::kInterrupt, 2).Bytes("abc", 3).Build(), &r),
            DecodeError::kShortArguments);
}

TEST(DecoderTest, EveryKnownOpcodeHasASpec) {
  for (Opcode op :
       {Opcode::kLookup,    Opcode::kForget,         Opcode::kGetattr,       Opcode::kSetattr,
        Opcode::kReadlink,  Opcode::kSymlink,        Opcode::kMknod,         Opcode::kMkdir,
        Opcode::kUnlink,    Opcode::kRmdir,          Opcode::kRename,        Opcode::kLink,
        Opcode::kOpen,      Opcode::kRead,           Opcode::kWrite,         Opcode::kStatfs,
        Opcode::kRelease,   Opcode::kFsync,          Opcode::kSetxattr,      Opcode::kGetxattr,
        Opcode::kListxattr, Opcode::kRemovexattr,    Opcode::kFlush,         Opcode::kInit,
        Opcode::kOpendir,   Opcode::kReaddir,        Opcode::kReleasedir,    Opcode::kFsyncdir,
        Opcode::kGetlk,     Opcode::kSetlk,          Opcode::kSetlkw,        Opcode::kAccess,
        Opcode::kCreate,    Opcode::kInterrupt,      Opcode::kDestroy,       Opcode::kIoctl,
        Opcode::kPoll,      Opcode::kBatchForget,    Opcode::kFallocate,     Opcode::kReaddirplus,
        Opcode::kRename2,   Opcode::kLseek,          Opcode::kCopyFileRange, Opcode::kTmpfile,
        Opcode::kStatx,     Opcode::kCopyFileRange64}) {
    EXPECT_NE(FindOpSpec(static_cast<uint32_t>(op)), nullptr) << static_cast<uint32_t>(op);
  }
}

}  // namespace
}  // namespace irpfs::fuse
