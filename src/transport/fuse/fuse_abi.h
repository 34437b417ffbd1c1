// The FUSE kernel ABI that irpfs speaks on /dev/fuse, pinned here.
//
// Why not <linux/fuse.h>: the build machine's header is protocol 7.38 (Linux 6.1) while
// the kernels we run on offer passthrough backing files (7.40) and FUSE-over-io_uring
// (7.42). The layouts and values below follow the kernel's include/uapi/linux/fuse.h
// (protocol 7.45); the struct names are the kernel's, so a reader can grep the kernel
// for any of them. Every struct's size is checked at compile time: a wrong field here
// would otherwise corrupt every request silently.
//
// Only plain data lives here. Decoding is in decoder.h, reply framing in channel.h.
#pragma once

#include <sys/ioctl.h>

#include <cstddef>
#include <cstdint>

namespace irpfs::fuse {

// ---- Versions.
inline constexpr uint32_t kKernelVersion = 7;
// The newest minor we understand. We answer INIT with min(kernel's minor, this).
inline constexpr uint32_t kKernelMinorVersion = 45;
// Oldest minor we accept: 7.31 is Linux 5.10; earlier kernels lack fields we rely on
// (max_pages, the 64-byte init_out, FUSE_INIT_EXT is newer but optional).
inline constexpr uint32_t kMinKernelMinorVersion = 31;

inline constexpr uint64_t kRootId = 1;
// The kernel demands a read buffer of at least this many bytes.
inline constexpr size_t kMinReadBuffer = 8192;
// The high bit of fuse_in_header.unique marks a request the kernel resent (7.40).
inline constexpr uint64_t kUniqueResend = 1ull << 63;
// FUSE_INTERRUPT requests carry unique = (target's unique | this bit) since 7.30-era
// kernels; the target itself is in fuse_interrupt_in.
inline constexpr uint64_t kInterruptUniqueBit = 1ull;
inline constexpr uint32_t kInvalidUidGid = 0xFFFFFFFFu;
// The kernel's FUSE_MAX_MAX_PAGES default limit (fs.fuse.max_pages_limit sysctl).
inline constexpr uint32_t kDefaultMaxPagesLimit = 256;

// ---- Opcodes (enum fuse_opcode).
enum class Opcode : uint32_t {
  kLookup = 1,
  kForget = 2,  // no reply
  kGetattr = 3,
  kSetattr = 4,
  kReadlink = 5,
  kSymlink = 6,
  kMknod = 8,
  kMkdir = 9,
  kUnlink = 10,
  kRmdir = 11,
  kRename = 12,
  kLink = 13,
  kOpen = 14,
  kRead = 15,
  kWrite = 16,
  kStatfs = 17,
  kRelease = 18,
  kFsync = 20,
  kSetxattr = 21,
  kGetxattr = 22,
  kListxattr = 23,
  kRemovexattr = 24,
  kFlush = 25,
  kInit = 26,
  kOpendir = 27,
  kReaddir = 28,
  kReleasedir = 29,
  kFsyncdir = 30,
  kGetlk = 31,
  kSetlk = 32,
  kSetlkw = 33,
  kAccess = 34,
  kCreate = 35,
  kInterrupt = 36,
  kBmap = 37,
  kDestroy = 38,
  kIoctl = 39,
  kPoll = 40,
  kNotifyReply = 41,
  kBatchForget = 42,  // no reply
  kFallocate = 43,
  kReaddirplus = 44,
  kRename2 = 45,
  kLseek = 46,
  kCopyFileRange = 47,
  kSetupmapping = 48,
  kRemovemapping = 49,
  kSyncfs = 50,
  kTmpfile = 51,
  kStatx = 52,
  kCopyFileRange64 = 53,
  kCuseInit = 4096,
  // Byte-swapped INIT: a peer of the other endianness.
  kCuseInitBswapReserved = 1048576,
  kInitBswapReserved = 436207616,
};
// One past the largest FUSE (not CUSE) opcode: the size of opcode-indexed tables.
inline constexpr uint32_t kOpcodeTableSize = 54;

// ---- Notifications (enum fuse_notify_code): sent with unique = 0, error = code.
enum class NotifyCode : int32_t {
  kPoll = 1,
  kInvalInode = 2,
  kInvalEntry = 3,
  kStore = 4,
  kRetrieve = 5,
  kDelete = 6,
  kResend = 7,
  kIncEpoch = 8,
  kPrune = 9,
};

// ---- fuse_setattr_in.valid (FATTR_*).
namespace fattr {
inline constexpr uint32_t kMode = 1u << 0;
inline constexpr uint32_t kUid = 1u << 1;
inline constexpr uint32_t kGid = 1u << 2;
inline constexpr uint32_t kSize = 1u << 3;
inline constexpr uint32_t kAtime = 1u << 4;
inline constexpr uint32_t kMtime = 1u << 5;
inline constexpr uint32_t kFh = 1u << 6;
inline constexpr uint32_t kAtimeNow = 1u << 7;
inline constexpr uint32_t kMtimeNow = 1u << 8;
inline constexpr uint32_t kLockOwner = 1u << 9;
inline constexpr uint32_t kCtime = 1u << 10;
inline constexpr uint32_t kKillSuidgid = 1u << 11;
}  // namespace fattr

// ---- fuse_open_out.open_flags (FOPEN_*).
namespace fopen {
inline constexpr uint32_t kDirectIo = 1u << 0;
inline constexpr uint32_t kKeepCache = 1u << 1;
inline constexpr uint32_t kNonseekable = 1u << 2;
inline constexpr uint32_t kCacheDir = 1u << 3;
inline constexpr uint32_t kStream = 1u << 4;
inline constexpr uint32_t kNoflush = 1u << 5;
inline constexpr uint32_t kParallelDirectWrites = 1u << 6;
inline constexpr uint32_t kPassthrough = 1u << 7;
}  // namespace fopen

// ---- INIT flags. One 64-bit space: bits 0..31 travel in fuse_init_{in,out}.flags,
// bits 32..63 in .flags2 (only when FUSE_INIT_EXT is set on both sides).
namespace init_flag {
inline constexpr uint64_t kAsyncRead = 1ull << 0;
inline constexpr uint64_t kPosixLocks = 1ull << 1;
inline constexpr uint64_t kFileOps = 1ull << 2;
inline constexpr uint64_t kAtomicOTrunc = 1ull << 3;
inline constexpr uint64_t kExportSupport = 1ull << 4;
inline constexpr uint64_t kBigWrites = 1ull << 5;
inline constexpr uint64_t kDontMask = 1ull << 6;
inline constexpr uint64_t kSpliceWrite = 1ull << 7;
inline constexpr uint64_t kSpliceMove = 1ull << 8;
inline constexpr uint64_t kSpliceRead = 1ull << 9;
inline constexpr uint64_t kFlockLocks = 1ull << 10;
inline constexpr uint64_t kHasIoctlDir = 1ull << 11;
inline constexpr uint64_t kAutoInvalData = 1ull << 12;
inline constexpr uint64_t kDoReaddirplus = 1ull << 13;
inline constexpr uint64_t kReaddirplusAuto = 1ull << 14;
inline constexpr uint64_t kAsyncDio = 1ull << 15;
inline constexpr uint64_t kWritebackCache = 1ull << 16;
inline constexpr uint64_t kNoOpenSupport = 1ull << 17;
inline constexpr uint64_t kParallelDirops = 1ull << 18;
inline constexpr uint64_t kHandleKillpriv = 1ull << 19;
inline constexpr uint64_t kPosixAcl = 1ull << 20;
inline constexpr uint64_t kAbortError = 1ull << 21;
inline constexpr uint64_t kMaxPages = 1ull << 22;
inline constexpr uint64_t kCacheSymlinks = 1ull << 23;
inline constexpr uint64_t kNoOpendirSupport = 1ull << 24;
inline constexpr uint64_t kExplicitInvalData = 1ull << 25;
inline constexpr uint64_t kMapAlignment = 1ull << 26;
inline constexpr uint64_t kSubmounts = 1ull << 27;
inline constexpr uint64_t kHandleKillprivV2 = 1ull << 28;
inline constexpr uint64_t kSetxattrExt = 1ull << 29;
inline constexpr uint64_t kInitExt = 1ull << 30;
inline constexpr uint64_t kInitReserved = 1ull << 31;
inline constexpr uint64_t kSecurityCtx = 1ull << 32;
inline constexpr uint64_t kHasInodeDax = 1ull << 33;
inline constexpr uint64_t kCreateSuppGroup = 1ull << 34;
inline constexpr uint64_t kHasExpireOnly = 1ull << 35;
inline constexpr uint64_t kDirectIoAllowMmap = 1ull << 36;
inline constexpr uint64_t kPassthrough = 1ull << 37;
inline constexpr uint64_t kNoExportSupport = 1ull << 38;
inline constexpr uint64_t kHasResend = 1ull << 39;
inline constexpr uint64_t kAllowIdmap = 1ull << 40;
inline constexpr uint64_t kOverIoUring = 1ull << 41;
inline constexpr uint64_t kRequestTimeout = 1ull << 42;
}  // namespace init_flag

// ---- Per-request flag words.
inline constexpr uint32_t kReleaseFlush = 1u << 0;        // fuse_release_in.release_flags
inline constexpr uint32_t kReleaseFlockUnlock = 1u << 1;  // fuse_release_in.release_flags
inline constexpr uint32_t kGetattrFh = 1u << 0;           // fuse_getattr_in.getattr_flags
inline constexpr uint32_t kLkFlock = 1u << 0;             // fuse_lk_in.lk_flags
inline constexpr uint32_t kWriteCache = 1u << 0;          // fuse_write_in.write_flags
inline constexpr uint32_t kWriteLockowner = 1u << 1;
inline constexpr uint32_t kWriteKillSuidgid = 1u << 2;
inline constexpr uint32_t kReadLockowner = 1u << 1;        // fuse_read_in.read_flags
inline constexpr uint32_t kFsyncFdatasync = 1u << 0;       // fuse_fsync_in.fsync_flags
inline constexpr uint32_t kOpenKillSuidgid = 1u << 0;      // fuse_open_in.open_flags
inline constexpr uint32_t kSetxattrAclKillSgid = 1u << 0;  // fuse_setxattr_in.setxattr_flags
inline constexpr uint32_t kExpireOnly = 1u << 0;           // fuse_notify_inval_entry_out.flags
inline constexpr uint32_t kPollScheduleNotify = 1u << 0;   // fuse_poll_in.flags
inline constexpr uint32_t kAttrSubmount = 1u << 0;         // fuse_attr.flags
inline constexpr uint32_t kAttrDax = 1u << 1;

namespace ioctl_flag {
inline constexpr uint32_t kCompat = 1u << 0;
inline constexpr uint32_t kUnrestricted = 1u << 1;
inline constexpr uint32_t kRetry = 1u << 2;
inline constexpr uint32_t k32Bit = 1u << 3;
inline constexpr uint32_t kDir = 1u << 4;
inline constexpr uint32_t kCompatX32 = 1u << 5;
}  // namespace ioctl_flag
inline constexpr uint32_t kIoctlMaxIov = 256;

// Extension types after the request's arguments (fuse_in_header.total_extlen).
inline constexpr uint32_t kMaxNrSecctx = 31;
inline constexpr uint32_t kExtGroups = 32;

// ---- Structures. Field names and order are the kernel's.
struct fuse_attr {
  uint64_t ino;
  uint64_t size;
  uint64_t blocks;
  uint64_t atime;
  uint64_t mtime;
  uint64_t ctime;
  uint32_t atimensec;
  uint32_t mtimensec;
  uint32_t ctimensec;
  uint32_t mode;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint32_t rdev;
  uint32_t blksize;
  uint32_t flags;
};

// Bit-for-bit the statx(2) layout.
struct fuse_sx_time {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};

struct fuse_statx {
  uint32_t mask;
  uint32_t blksize;
  uint64_t attributes;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint16_t mode;
  uint16_t spare0[1];
  uint64_t ino;
  uint64_t size;
  uint64_t blocks;
  uint64_t attributes_mask;
  fuse_sx_time atime;
  fuse_sx_time btime;
  fuse_sx_time ctime;
  fuse_sx_time mtime;
  uint32_t rdev_major;
  uint32_t rdev_minor;
  uint32_t dev_major;
  uint32_t dev_minor;
  uint64_t spare2[14];
};

struct fuse_kstatfs {
  uint64_t blocks;
  uint64_t bfree;
  uint64_t bavail;
  uint64_t files;
  uint64_t ffree;
  uint32_t bsize;
  uint32_t namelen;
  uint32_t frsize;
  uint32_t padding;
  uint32_t spare[6];
};

struct fuse_file_lock {
  uint64_t start;
  uint64_t end;
  uint32_t type;
  uint32_t pid;  // tgid
};

struct fuse_entry_out {
  uint64_t nodeid;
  uint64_t generation;   // nodeid:generation is unique for the file system's lifetime
  uint64_t entry_valid;  // seconds the kernel may cache the name
  uint64_t attr_valid;   // seconds the kernel may cache the attributes
  uint32_t entry_valid_nsec;
  uint32_t attr_valid_nsec;
  fuse_attr attr;
};

struct fuse_forget_in {
  uint64_t nlookup;
};

struct fuse_forget_one {
  uint64_t nodeid;
  uint64_t nlookup;
};

struct fuse_batch_forget_in {
  uint32_t count;
  uint32_t dummy;
};

struct fuse_getattr_in {
  uint32_t getattr_flags;
  uint32_t dummy;
  uint64_t fh;
};

struct fuse_attr_out {
  uint64_t attr_valid;
  uint32_t attr_valid_nsec;
  uint32_t dummy;
  fuse_attr attr;
};

struct fuse_statx_in {
  uint32_t getattr_flags;
  uint32_t reserved;
  uint64_t fh;
  uint32_t sx_flags;
  uint32_t sx_mask;
};

struct fuse_statx_out {
  uint64_t attr_valid;
  uint32_t attr_valid_nsec;
  uint32_t flags;
  uint64_t spare[2];
  fuse_statx stat;
};

struct fuse_mknod_in {
  uint32_t mode;
  uint32_t rdev;
  uint32_t umask;
  uint32_t padding;
};

struct fuse_mkdir_in {
  uint32_t mode;
  uint32_t umask;
};

struct fuse_rename_in {
  uint64_t newdir;
};

struct fuse_rename2_in {
  uint64_t newdir;
  uint32_t flags;  // RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT
  uint32_t padding;
};

struct fuse_link_in {
  uint64_t oldnodeid;
};

struct fuse_setattr_in {
  uint32_t valid;  // fattr:: bits
  uint32_t padding;
  uint64_t fh;
  uint64_t size;
  uint64_t lock_owner;
  uint64_t atime;
  uint64_t mtime;
  uint64_t ctime;
  uint32_t atimensec;
  uint32_t mtimensec;
  uint32_t ctimensec;
  uint32_t mode;
  uint32_t unused4;
  uint32_t uid;
  uint32_t gid;
  uint32_t unused5;
};

struct fuse_open_in {
  uint32_t flags;       // open(2) flags
  uint32_t open_flags;  // kOpenKillSuidgid
};

struct fuse_create_in {
  uint32_t flags;
  uint32_t mode;
  uint32_t umask;
  uint32_t open_flags;
};

struct fuse_open_out {
  uint64_t fh;
  uint32_t open_flags;  // fopen:: bits
  int32_t backing_id;   // with fopen::kPassthrough: id from FUSE_DEV_IOC_BACKING_OPEN
};

struct fuse_release_in {
  uint64_t fh;
  uint32_t flags;
  uint32_t release_flags;
  uint64_t lock_owner;
};

struct fuse_flush_in {
  uint64_t fh;
  uint32_t unused;
  uint32_t padding;
  uint64_t lock_owner;
};

struct fuse_read_in {
  uint64_t fh;
  uint64_t offset;
  uint32_t size;
  uint32_t read_flags;
  uint64_t lock_owner;
  uint32_t flags;
  uint32_t padding;
};

struct fuse_write_in {
  uint64_t fh;
  uint64_t offset;
  uint32_t size;
  uint32_t write_flags;
  uint64_t lock_owner;
  uint32_t flags;
  uint32_t padding;
};

struct fuse_write_out {
  uint32_t size;
  uint32_t padding;
};

struct fuse_statfs_out {
  fuse_kstatfs st;
};

struct fuse_fsync_in {
  uint64_t fh;
  uint32_t fsync_flags;
  uint32_t padding;
};

// The kernel sends the 16-byte form only when the server set FUSE_SETXATTR_EXT;
// otherwise the first 8 bytes (kCompatSetxattrInSize).
struct fuse_setxattr_in {
  uint32_t size;
  uint32_t flags;
  uint32_t setxattr_flags;
  uint32_t padding;
};
inline constexpr size_t kCompatSetxattrInSize = 8;

struct fuse_getxattr_in {
  uint32_t size;
  uint32_t padding;
};

struct fuse_getxattr_out {
  uint32_t size;
  uint32_t padding;
};

struct fuse_lk_in {
  uint64_t fh;
  uint64_t owner;
  fuse_file_lock lk;
  uint32_t lk_flags;
  uint32_t padding;
};

struct fuse_lk_out {
  fuse_file_lock lk;
};

struct fuse_access_in {
  uint32_t mask;
  uint32_t padding;
};

struct fuse_init_in {
  uint32_t major;
  uint32_t minor;
  uint32_t max_readahead;
  uint32_t flags;
  uint32_t flags2;  // valid when flags has kInitExt
  uint32_t unused[11];
};
// Kernels before 7.36 send only these first 16 bytes.
inline constexpr size_t kCompatInitInSize = 16;

struct fuse_init_out {
  uint32_t major;
  uint32_t minor;
  uint32_t max_readahead;
  uint32_t flags;
  uint16_t max_background;
  uint16_t congestion_threshold;
  uint32_t max_write;
  uint32_t time_gran;
  uint16_t max_pages;
  uint16_t map_alignment;
  uint32_t flags2;
  uint32_t max_stack_depth;
  uint16_t request_timeout;
  uint16_t unused[11];
};
// What to send to a kernel with minor < 23 (never, given kMinKernelMinorVersion).
inline constexpr size_t kCompat22InitOutSize = 24;

struct fuse_interrupt_in {
  uint64_t unique;
};

struct fuse_bmap_in {
  uint64_t block;
  uint32_t blocksize;
  uint32_t padding;
};

struct fuse_bmap_out {
  uint64_t block;
};

struct fuse_ioctl_in {
  uint64_t fh;
  uint32_t flags;  // ioctl_flag::
  uint32_t cmd;
  uint64_t arg;
  uint32_t in_size;
  uint32_t out_size;
};

struct fuse_ioctl_iovec {
  uint64_t base;
  uint64_t len;
};

struct fuse_ioctl_out {
  int32_t result;
  uint32_t flags;
  uint32_t in_iovs;
  uint32_t out_iovs;
};

struct fuse_poll_in {
  uint64_t fh;
  uint64_t kh;
  uint32_t flags;
  uint32_t events;
};

struct fuse_poll_out {
  uint32_t revents;
  uint32_t padding;
};

struct fuse_notify_poll_wakeup_out {
  uint64_t kh;
};

struct fuse_fallocate_in {
  uint64_t fh;
  uint64_t offset;
  uint64_t length;
  uint32_t mode;
  uint32_t padding;
};

struct fuse_in_header {
  uint32_t len;  // whole request, header included
  uint32_t opcode;
  uint64_t unique;
  uint64_t nodeid;
  uint32_t uid;
  uint32_t gid;
  uint32_t pid;
  uint16_t total_extlen;  // extensions after the arguments, in 8-byte units
  uint16_t padding;
};

struct fuse_out_header {
  uint32_t len;   // whole reply, header included
  int32_t error;  // 0 or a negative errno; a notify code when unique == 0
  uint64_t unique;
};

// A directory entry; `name` (namelen bytes, no NUL) follows, the record padded to 8.
struct fuse_dirent {
  uint64_t ino;
  uint64_t off;  // cookie of the NEXT entry
  uint32_t namelen;
  uint32_t type;  // DT_* (mode >> 12)
};

struct fuse_direntplus {
  fuse_entry_out entry_out;
  fuse_dirent dirent;
};

constexpr size_t DirentAlign(size_t x) {
  return (x + 7) & ~size_t{7};
}
constexpr size_t DirentSize(size_t namelen) {
  return DirentAlign(sizeof(fuse_dirent) + namelen);
}
constexpr size_t DirentplusSize(size_t namelen) {
  return DirentAlign(sizeof(fuse_direntplus) + namelen);
}

struct fuse_notify_inval_inode_out {
  uint64_t ino;
  int64_t off;  // 0 with len 0 .. : range of cached data to drop; off < 0: attributes only
  int64_t len;
};

struct fuse_notify_inval_entry_out {
  uint64_t parent;
  uint32_t namelen;
  uint32_t flags;  // kExpireOnly
};

struct fuse_notify_delete_out {
  uint64_t parent;
  uint64_t child;
  uint32_t namelen;
  uint32_t padding;
};

struct fuse_notify_store_out {
  uint64_t nodeid;
  uint64_t offset;
  uint32_t size;
  uint32_t padding;
};

struct fuse_notify_retrieve_out {
  uint64_t notify_unique;
  uint64_t nodeid;
  uint64_t offset;
  uint32_t size;
  uint32_t padding;
};

struct fuse_notify_retrieve_in {
  uint64_t dummy1;
  uint64_t offset;
  uint32_t size;
  uint32_t dummy2;
  uint64_t dummy3;
  uint64_t dummy4;
};

struct fuse_notify_prune_out {
  uint32_t count;
  uint32_t padding;
  uint64_t spare;
};

// FUSE_DEV_IOC_BACKING_OPEN argument: registers `fd` as a passthrough backing file.
struct fuse_backing_map {
  int32_t fd;
  uint32_t flags;
  uint64_t padding;
};

struct fuse_lseek_in {
  uint64_t fh;
  uint64_t offset;
  uint32_t whence;
  uint32_t padding;
};

struct fuse_lseek_out {
  uint64_t offset;
};

struct fuse_copy_file_range_in {
  uint64_t fh_in;
  uint64_t off_in;
  uint64_t nodeid_out;
  uint64_t fh_out;
  uint64_t off_out;
  uint64_t len;
  uint64_t flags;
};

struct fuse_copy_file_range_out {
  uint64_t bytes_copied;
};

struct fuse_setupmapping_in {
  uint64_t fh;
  uint64_t foffset;
  uint64_t len;
  uint64_t flags;
  uint64_t moffset;
};

struct fuse_removemapping_in {
  uint32_t count;
};

struct fuse_removemapping_one {
  uint64_t moffset;
  uint64_t len;
};

struct fuse_syncfs_in {
  uint64_t padding;
};

struct fuse_secctx {
  uint32_t size;
  uint32_t padding;
};

struct fuse_secctx_header {
  uint32_t size;
  uint32_t nr_secctx;
};

struct fuse_ext_header {
  uint32_t size;  // whole extension, this header included
  uint32_t type;
};

// Followed by nr_groups uint32_t group ids.
struct fuse_supp_groups {
  uint32_t nr_groups;
};

// ---- FUSE-over-io_uring (7.42).
inline constexpr size_t kUringInOutHeaderSize = 128;
inline constexpr size_t kUringOpInOutSize = 128;

struct fuse_uring_ent_in_out {
  uint64_t flags;
  uint64_t commit_id;  // echo in fuse_uring_cmd_req.commit_id when committing the reply
  uint32_t payload_sz;
  uint32_t padding;
  uint64_t reserved;
};

struct fuse_uring_req_header {
  char in_out[kUringInOutHeaderSize];  // fuse_in_header / fuse_out_header
  char op_in[kUringOpInOutSize];       // the opcode's fixed argument struct
  fuse_uring_ent_in_out ring_ent_in_out;
};

enum class UringCmd : uint32_t {
  kInvalid = 0,
  kRegister = 1,        // register the buffer and fetch a request
  kCommitAndFetch = 2,  // send the reply and fetch the next request
};

// Lives in the 80-byte command area of an IORING_OP_URING_CMD SQE.
struct fuse_uring_cmd_req {
  uint64_t flags;
  uint64_t commit_id;
  uint16_t qid;  // queue (CPU) index
  uint8_t padding[6];
};

// ---- Device ioctls on /dev/fuse.
inline constexpr unsigned kDevIocMagic = 229;
// Turns a fresh /dev/fuse fd into a clone of the session fd passed by pointer (uint32_t).
inline constexpr unsigned long kDevIocClone = _IOR(kDevIocMagic, 0, uint32_t);
// Registers a backing file for passthrough; returns a backing id (>0) or -1.
inline constexpr unsigned long kDevIocBackingOpen = _IOW(kDevIocMagic, 1, fuse_backing_map);
// Drops a backing id (uint32_t by pointer).
inline constexpr unsigned long kDevIocBackingClose = _IOW(kDevIocMagic, 2, uint32_t);
// Asks the kernel to send INIT synchronously during mount(2) (7.44+).
inline constexpr unsigned long kDevIocSyncInit = _IO(kDevIocMagic, 3);

// ---- Size checks against the kernel's layouts.
static_assert(sizeof(fuse_attr) == 88);
static_assert(sizeof(fuse_sx_time) == 16);
static_assert(sizeof(fuse_statx) == 256);
static_assert(sizeof(fuse_kstatfs) == 80);
static_assert(sizeof(fuse_file_lock) == 24);
static_assert(sizeof(fuse_entry_out) == 128);
static_assert(sizeof(fuse_forget_in) == 8);
static_assert(sizeof(fuse_forget_one) == 16);
static_assert(sizeof(fuse_batch_forget_in) == 8);
static_assert(sizeof(fuse_getattr_in) == 16);
static_assert(sizeof(fuse_attr_out) == 104);
static_assert(sizeof(fuse_statx_in) == 24);
static_assert(sizeof(fuse_statx_out) == 288);
static_assert(sizeof(fuse_mknod_in) == 16);
static_assert(sizeof(fuse_mkdir_in) == 8);
static_assert(sizeof(fuse_rename_in) == 8);
static_assert(sizeof(fuse_rename2_in) == 16);
static_assert(sizeof(fuse_link_in) == 8);
static_assert(sizeof(fuse_setattr_in) == 88);
static_assert(sizeof(fuse_open_in) == 8);
static_assert(sizeof(fuse_create_in) == 16);
static_assert(sizeof(fuse_open_out) == 16);
static_assert(sizeof(fuse_release_in) == 24);
static_assert(sizeof(fuse_flush_in) == 24);
static_assert(sizeof(fuse_read_in) == 40);
static_assert(sizeof(fuse_write_in) == 40);
static_assert(sizeof(fuse_write_out) == 8);
static_assert(sizeof(fuse_statfs_out) == 80);
static_assert(sizeof(fuse_fsync_in) == 16);
static_assert(sizeof(fuse_setxattr_in) == 16);
static_assert(sizeof(fuse_getxattr_in) == 8);
static_assert(sizeof(fuse_getxattr_out) == 8);
static_assert(sizeof(fuse_lk_in) == 48);
static_assert(sizeof(fuse_lk_out) == 24);
static_assert(sizeof(fuse_access_in) == 8);
static_assert(sizeof(fuse_init_in) == 64);
static_assert(sizeof(fuse_init_out) == 64);
static_assert(sizeof(fuse_interrupt_in) == 8);
static_assert(sizeof(fuse_bmap_in) == 16);
static_assert(sizeof(fuse_bmap_out) == 8);
static_assert(sizeof(fuse_ioctl_in) == 32);
static_assert(sizeof(fuse_ioctl_iovec) == 16);
static_assert(sizeof(fuse_ioctl_out) == 16);
static_assert(sizeof(fuse_poll_in) == 24);
static_assert(sizeof(fuse_poll_out) == 8);
static_assert(sizeof(fuse_notify_poll_wakeup_out) == 8);
static_assert(sizeof(fuse_fallocate_in) == 32);
static_assert(sizeof(fuse_in_header) == 40);
static_assert(sizeof(fuse_out_header) == 16);
static_assert(sizeof(fuse_dirent) == 24);
static_assert(sizeof(fuse_direntplus) == 152);
static_assert(sizeof(fuse_notify_inval_inode_out) == 24);
static_assert(sizeof(fuse_notify_inval_entry_out) == 16);
static_assert(sizeof(fuse_notify_delete_out) == 24);
static_assert(sizeof(fuse_notify_store_out) == 24);
static_assert(sizeof(fuse_notify_retrieve_out) == 32);
static_assert(sizeof(fuse_notify_retrieve_in) == 40);
static_assert(sizeof(fuse_notify_prune_out) == 16);
static_assert(sizeof(fuse_backing_map) == 16);
static_assert(sizeof(fuse_lseek_in) == 24);
static_assert(sizeof(fuse_lseek_out) == 8);
static_assert(sizeof(fuse_copy_file_range_in) == 56);
static_assert(sizeof(fuse_copy_file_range_out) == 8);
static_assert(sizeof(fuse_setupmapping_in) == 40);
static_assert(sizeof(fuse_removemapping_in) == 4);
static_assert(sizeof(fuse_removemapping_one) == 16);
static_assert(sizeof(fuse_syncfs_in) == 8);
static_assert(sizeof(fuse_ext_header) == 8);
static_assert(sizeof(fuse_uring_ent_in_out) == 32);
static_assert(sizeof(fuse_uring_req_header) == 288);
static_assert(sizeof(fuse_uring_cmd_req) == 24);
static_assert(offsetof(fuse_open_out, backing_id) == 12);
static_assert(offsetof(fuse_init_out, flags2) == 32);
static_assert(offsetof(fuse_init_out, max_stack_depth) == 36);
static_assert(offsetof(fuse_in_header, total_extlen) == 36);
static_assert(offsetof(fuse_direntplus, dirent) == 128);
static_assert(offsetof(fuse_statx, atime) == 64);
static_assert(offsetof(fuse_statx, rdev_major) == 128);

}  // namespace irpfs::fuse
