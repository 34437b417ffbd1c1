#include "core/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <string>

namespace irpfs {
namespace {

struct Row {
  NtStatus status;
  int err;
  uint32_t win32;
};

constexpr Row kExpected[] = {
#define IRPFS_TEST_ROW(name, value, err, win32) {NtStatus::name, err, win32},
    IRPFS_STATUS_TABLE(IRPFS_TEST_ROW)
#undef IRPFS_TEST_ROW
};

TEST(StatusTable, EveryRowMapsToItsErrnoAndWin32) {
  for (const Row& row : kExpected) {
    SCOPED_TRACE(std::string(StatusName(row.status)));
    EXPECT_EQ(StatusToErrno(row.status), row.err);
    EXPECT_EQ(StatusToWin32(row.status), row.win32);
  }
}

TEST(StatusTable, ErrnoRoundTripKeepsTheErrno) {
  for (const Row& row : kExpected) {
    NtStatus back = ErrnoToStatus(row.err);
    EXPECT_EQ(StatusToErrno(back), row.err) << StatusName(row.status);
  }
}

TEST(StatusTable, FirstRowWithAnErrnoWinsTheReverseMapping) {
  EXPECT_EQ(ErrnoToStatus(0), NtStatus::Success);
  EXPECT_EQ(ErrnoToStatus(ENOENT), NtStatus::NoSuchFile);
  EXPECT_EQ(ErrnoToStatus(EINVAL), NtStatus::InvalidEaName);
  EXPECT_EQ(ErrnoToStatus(EACCES), NtStatus::AccessDenied);
  EXPECT_EQ(ErrnoToStatus(EPERM), NtStatus::PrivilegeNotHeld);
  EXPECT_EQ(ErrnoToStatus(ENOTEMPTY), NtStatus::DirectoryNotEmpty);
}

// errnos a host file system gives the mirror that once came out as EIO, with the NT code
// each maps to (the reasons are next to the table in status.h).
struct HostErrno {
  int err;
  NtStatus status;
  uint32_t win32;
};
constexpr HostErrno kHostErrnos[] = {
    {EDQUOT, NtStatus::DiskQuotaExceeded, 1295},
    {ETXTBSY, NtStatus::UserMappedFile, 1224},
    {ESTALE, NtStatus::FileInvalid, 1006},
    {EOVERFLOW, NtStatus::IntegerOverflow, 534},
    {ENFILE, NtStatus::FileTableOverflow, 4},
    {EILSEQ, NtStatus::UnmappableCharacter, 1113},
    {EUCLEAN, NtStatus::FileCorruptError, 1392},
    {EBADMSG, NtStatus::CrcError, 23},
    {ENOMEDIUM, NtStatus::NoMediaInDevice, 21},
    {EMEDIUMTYPE, NtStatus::UnrecognizedMedia, 1785},
    {ENOKEY, NtStatus::NoUserKeys, 6006},
    {EREMOTEIO, NtStatus::UnexpectedNetworkError, 59},
    {EPROTO, NtStatus::InvalidNetworkResponse, 58},
    {ENOLINK, NtStatus::ConnectionDisconnected, 64},
    {ECONNRESET, NtStatus::ConnectionReset, 64},
    {ECONNABORTED, NtStatus::ConnectionAborted, 1236},
};

TEST(StatusTable, HostErrnosMapToTheirOwnStatusAndBack) {
  for (const HostErrno& host : kHostErrnos) {
    SCOPED_TRACE(std::string(StatusName(host.status)));
    EXPECT_EQ(ErrnoToStatus(host.err), host.status);
    EXPECT_EQ(StatusToErrno(host.status), host.err);
    EXPECT_EQ(StatusToWin32(host.status), host.win32);
    EXPECT_TRUE(NtError(host.status));
  }
}

TEST(StatusTable, NamesOfTheHostErrnoRows) {
  EXPECT_EQ(StatusName(NtStatus::DiskQuotaExceeded), "STATUS_DISK_QUOTA_EXCEEDED");
  EXPECT_EQ(StatusName(NtStatus::UserMappedFile), "STATUS_USER_MAPPED_FILE");
  EXPECT_EQ(StatusName(NtStatus::FileInvalid), "STATUS_FILE_INVALID");
  EXPECT_EQ(StatusName(NtStatus::UnmappableCharacter), "STATUS_UNMAPPABLE_CHARACTER");
  EXPECT_EQ(StatusName(NtStatus::NoMediaInDevice), "STATUS_NO_MEDIA_IN_DEVICE");
  EXPECT_EQ(StatusName(NtStatus::NoUserKeys), "STATUS_NO_USER_KEYS");
  EXPECT_EQ(StatusName(NtStatus::UnexpectedNetworkError), "STATUS_UNEXPECTED_NETWORK_ERROR");
  EXPECT_EQ(StatusName(NtStatus::ConnectionDisconnected), "STATUS_CONNECTION_DISCONNECTED");
}

TEST(StatusTable, UnknownErrnoBecomesUnsuccessful) {
  EXPECT_EQ(ErrnoToStatus(123456), NtStatus::Unsuccessful);
  EXPECT_EQ(StatusToErrno(ErrnoToStatus(123456)), EIO);
}

TEST(StatusTable, NamesAreUpperSnakeCase) {
  EXPECT_EQ(StatusName(NtStatus::Success), "STATUS_SUCCESS");
  EXPECT_EQ(StatusName(NtStatus::SharingViolation), "STATUS_SHARING_VIOLATION");
  EXPECT_EQ(StatusName(NtStatus::FileIsADirectory), "STATUS_FILE_IS_A_DIRECTORY");
  EXPECT_EQ(StatusName(NtStatus::IoTimeout), "STATUS_IO_TIMEOUT");
  EXPECT_EQ(StatusName(NtStatus::NoEasOnFile), "STATUS_NO_EAS_ON_FILE");
  EXPECT_EQ(StatusName(NtStatus::Cancelled), "STATUS_CANCELLED");
  EXPECT_EQ(StatusName(NtStatus::MoreProcessingRequired), "STATUS_MORE_PROCESSING_REQUIRED");
}

TEST(StatusTable, NamesAreUniqueAndStable) {
  std::set<std::string> seen;
  for (const Row& row : kExpected) {
    std::string_view first = StatusName(row.status);
    std::string_view second = StatusName(row.status);
    EXPECT_EQ(first.data(), second.data()) << "a known name must not be rebuilt per call";
    EXPECT_TRUE(seen.insert(std::string(first)).second) << first;
  }
}

TEST(StatusTable, UnknownStatusGetsHexNameAndGenericErrors) {
  auto unknown = static_cast<NtStatus>(0xC0001234u);
  EXPECT_EQ(StatusName(unknown), "STATUS_0xC0001234");
  EXPECT_EQ(StatusToErrno(unknown), EIO);
  EXPECT_EQ(StatusToWin32(unknown), 31u);
}

TEST(StatusTable, SeverityPredicates) {
  EXPECT_TRUE(NtSuccess(NtStatus::Success));
  EXPECT_TRUE(NtSuccess(NtStatus::Pending));
  EXPECT_TRUE(NtSuccess(NtStatus::ObjectNameExists));
  EXPECT_FALSE(NtSuccess(NtStatus::BufferOverflow));
  EXPECT_FALSE(NtError(NtStatus::BufferOverflow));
  EXPECT_TRUE(NtError(NtStatus::AccessDenied));
  EXPECT_TRUE(NtError(NtStatus::NotPermitted));
}

TEST(StatusTable, InvalidDeviceRequestIsEnosys) {
  EXPECT_EQ(StatusToErrno(NtStatus::InvalidDeviceRequest), ENOSYS);
}

}  // namespace
}  // namespace irpfs
