// The readonly filter: modifying IRPs complete early with STATUS_MEDIA_WRITE_PROTECTED.
#include <cerrno>

#include "core/fsctl.h"
#include "drivers/filters/readonly/readonly_filter.h"
#include "stack_env.h"

namespace irpfs::testing {
namespace {

class ReadonlyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.MakeFile("/doc", "original");
    writable_ = env_.MustOpen("/doc");  // opened for write before the filter came
    DriverObject* driver = env_.Load("readonly", readonly::ReadonlyDriverEntry);
    ASSERT_EQ(env_.stack().Attach(driver, "", altitude::kReadonly), NtStatus::Success);
  }
  void TearDown() override { env_.Close(writable_); }

  StackEnv env_;
  FileObject* writable_ = nullptr;
};

TEST_F(ReadonlyTest, WriteCompletesEarlyAsWriteProtected) {
  NtStatus status = env_.Write(writable_, 0, "CHANGED!");
  EXPECT_EQ(status, NtStatus::MediaWriteProtected);
  EXPECT_EQ(StatusToErrno(status), EROFS);
  EXPECT_EQ(env_.Contents("/doc"), "original");
}

TEST_F(ReadonlyTest, ServerSideCopyIsWriteProtected) {
  CopyRangeInput in;
  in.sourceFileObject = writable_;
  in.sourceOffset = 0;
  in.targetOffset = 100;
  in.length = 8;
  NtStatus status = env_.Send(writable_, IrpMajor::FileSystemControl, [&](IoStackLocation* sl) {
    sl->minorFunction = minor::kUserFsRequest;
    sl->parameters.fileSystemControl.fsControlCode = fsctl::kIrpfsCopyRange;
    sl->parameters.fileSystemControl.inputBufferLength = sizeof in;
    sl->parameters.fileSystemControl.type3InputBuffer = &in;
  });
  EXPECT_EQ(status, NtStatus::MediaWriteProtected);
  EXPECT_EQ(env_.Contents("/doc"), "original");
}

TEST_F(ReadonlyTest, OpensForWritingOrCreatingAreRefused) {
  FileObject* fo = nullptr;
  EXPECT_EQ(env_.Open("/doc", access::kGenericWrite, CreateDisposition::Open, &fo),
            NtStatus::MediaWriteProtected);
  EXPECT_EQ(env_.Open("/doc", access::kDelete, CreateDisposition::Open, &fo),
            NtStatus::MediaWriteProtected);
  EXPECT_EQ(env_.Open("/doc", access::kGenericRead, CreateDisposition::OverwriteIf, &fo),
            NtStatus::MediaWriteProtected);
  EXPECT_EQ(env_.Open("/new", access::kGenericRead, CreateDisposition::Create, &fo),
            NtStatus::MediaWriteProtected);
  EXPECT_EQ(env_.Open("/doc", access::kGenericRead, CreateDisposition::Open, &fo,
                      create_option::kDeleteOnClose),
            NtStatus::MediaWriteProtected);
  // OpenIf: an existing file opens read-only, a missing one would be created.
  EXPECT_EQ(env_.Open("/missing", access::kGenericRead, CreateDisposition::OpenIf, &fo),
            NtStatus::MediaWriteProtected);
  ASSERT_EQ(env_.Open("/doc", access::kGenericRead, CreateDisposition::OpenIf, &fo),
            NtStatus::Success);
  env_.Close(fo);
  // A plain Open of a missing file is just "not found".
  EXPECT_EQ(env_.Open("/missing", access::kGenericRead, CreateDisposition::Open, &fo),
            NtStatus::ObjectNameNotFound);
}

TEST_F(ReadonlyTest, ReadsPassAndSetInformationIsRefused) {
  std::string data;
  ASSERT_EQ(env_.Read(writable_, 0, 100, &data), NtStatus::Success);
  EXPECT_EQ(data, "original");
  FileEndOfFileInfo eof{};
  NtStatus status = env_.Send(
      writable_, IrpMajor::SetInformation,
      [](IoStackLocation* location) {
        location->parameters.setFile.length = sizeof(FileEndOfFileInfo);
        location->parameters.setFile.fileInformationClass =
            FileInformationClass::FileEndOfFileInformation;
      },
      &eof);
  EXPECT_EQ(status, NtStatus::MediaWriteProtected);
  EXPECT_EQ(env_.Contents("/doc"), "original");
  // FLUSH passes (there is nothing to flush).
  EXPECT_EQ(env_.Send(writable_, IrpMajor::FlushBuffers, nullptr), NtStatus::Success);
}

TEST_F(ReadonlyTest, DetachMakesTheVolumeWritableAgain) {
  ASSERT_EQ(env_.stack().Detach("readonly"), NtStatus::Success);
  EXPECT_EQ(env_.Write(writable_, 0, "CHANGED!"), NtStatus::Success);
  EXPECT_EQ(env_.Contents("/doc"), "CHANGED!");
}

TEST(ReadonlyOptionsTest, RefusesOptions) {
  StackEnv env;
  DriverObject* driver = env.Load("readonly", readonly::ReadonlyDriverEntry);
  std::string error;
  EXPECT_EQ(env.stack().Attach(driver, "x=1", 1, nullptr, &error), NtStatus::InvalidParameter);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace irpfs::testing
