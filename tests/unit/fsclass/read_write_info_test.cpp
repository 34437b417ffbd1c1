// READ/WRITE checks, QUERY/SET_INFORMATION, rename and link, EAs, volume queries, flush,
// device control, and the exception guard.
#include <sys/stat.h>

#include "fsclass_harness.h"

namespace irpfs::fsclass::testing {
namespace {

using D = CreateDisposition;

class ReadWriteTest : public FsClassTest {};

TEST_F(ReadWriteTest, HandleAccessIsChecked) {
  Close(MakeFile("/f", "abc"));
  FileObject* reader = MustOpen({.name = "/f", .access = access::kGenericRead});
  FileObject* writer = MustOpen({.name = "/f", .access = access::kWriteData});
  std::string data;
  EXPECT_EQ(Write(reader, 0, "x"), NtStatus::AccessDenied);
  EXPECT_EQ(Read(writer, 0, 3, &data), NtStatus::AccessDenied);
  EXPECT_EQ(Write(writer, 1, "Z"), NtStatus::Success);
  EXPECT_EQ(Read(reader, 0, 3, &data), NtStatus::Success);
  EXPECT_EQ(data, "aZc");
  Close(reader);
  Close(writer);
}

TEST_F(ReadWriteTest, OffsetsAndDirectories) {
  FileObject* f = MakeFile("/f", "abc");
  std::string data;
  EXPECT_EQ(Read(f, uint64_t{INT64_MAX} + 1, 3, &data), NtStatus::InvalidParameter);
  EXPECT_EQ(Write(f, uint64_t{INT64_MAX} + 1, "x"), NtStatus::InvalidParameter);
  EXPECT_EQ(Write(f, uint64_t{INT64_MAX} - 1, "xyz"), NtStatus::FileTooLarge);
  Close(f);
  FileObject* root = MustOpen({.name = "/"});
  EXPECT_EQ(Read(root, 0, 3, &data), NtStatus::FileIsADirectory);
  Close(root);
}

TEST_F(ReadWriteTest, AppendGoesToEnd) {
  FileObject* f = MakeFile("/f", "abc");
  uint64_t written = 0;
  EXPECT_EQ(Write(f, 0, "de", rw_flag::kAppend, &written), NtStatus::Success);
  EXPECT_EQ(written, 2u);
  FileObject* appender = MustOpen({.name = "/f", .access = access::kAppendData});
  EXPECT_EQ(Write(appender, 0, "f"), NtStatus::Success);
  EXPECT_EQ(fs_->Content("/f"), "abcdef");
  Close(appender);
  Close(f);
}

TEST_F(ReadWriteTest, DirectMdlBuffer) {
  FileObject* f = MakeFile("/f", "hello");
  char out[5] = {};
  Mdl mdl{reinterpret_cast<std::byte*>(out), sizeof out};
  Irp* irp = IoAllocateIrp(volume_->stackSize);
  irp->bufferMethod = BufferMethod::Direct;
  irp->mdlAddress = &mdl;
  IoStackLocation* sl = IoGetNextIrpStackLocation(irp);
  sl->majorFunction = IrpMajor::Read;
  sl->fileObject = f;
  sl->parameters.read.length = 6;  // more than the MDL holds
  EXPECT_EQ(IoCallDriverSynchronous(volume_, irp), NtStatus::InvalidUserBuffer);
  IoInitializeIrp(irp, volume_->stackSize);
  irp->bufferMethod = BufferMethod::Direct;
  irp->mdlAddress = &mdl;
  sl = IoGetNextIrpStackLocation(irp);
  sl->majorFunction = IrpMajor::Read;
  sl->fileObject = f;
  sl->parameters.read.length = 5;
  EXPECT_EQ(IoCallDriverSynchronous(volume_, irp), NtStatus::Success);
  EXPECT_EQ(std::string(out, 5), "hello");
  IoFreeIrp(irp);
  Close(f);
}

TEST_F(ReadWriteTest, MiniExceptionBecomesInternalError) {
  FileObject* f = MakeFile("/f", "abc");
  fs_->throwOnRead = true;
  std::string data;
  EXPECT_EQ(Read(f, 0, 3, &data), NtStatus::InternalError);
  fs_->throwOnRead = false;
  Close(f);
  MakeDir("/d");
  fs_->throwOnLookup = true;
  EXPECT_EQ(Create({.name = "/d/x"}).status, NtStatus::InternalError);
  EXPECT_EQ(Create({.name = "/d/x", .disposition = D::Create}).status, NtStatus::InternalError);
  fs_->throwOnLookup = false;
}

TEST_F(ReadWriteTest, SynchronousFileObjectMovesPosition) {
  Close(MakeFile("/f", "abcdef"));
  FileObject* fo = IoCreateFileObject(volume_);
  fo->fileName = "/f";
  fo->flags = fo_flag::kSynchronousIo;
  ASSERT_EQ(SendIrp(volume_, fo, IrpMajor::Create, 0, 0,
                    [](IoStackLocation* sl) {
                      sl->parameters.create.desiredAccess = access::kFileGenericRead;
                      sl->parameters.create.shareAccess = share::kAll;
                      sl->parameters.create.disposition = CreateDisposition::Open;
                    }),
            NtStatus::Success);
  ObOpenHandle(fo);
  ObDereferenceObject(fo);
  std::string data;
  EXPECT_EQ(Read(fo, 2, 3, &data), NtStatus::Success);
  FilePositionInfo position;
  EXPECT_EQ(QueryInfo(fo, FileInformationClass::FilePositionInformation, &position),
            NtStatus::Success);
  EXPECT_EQ(position.currentByteOffset, 5u);
  EXPECT_EQ(SetInfo(fo, FileInformationClass::FilePositionInformation, FilePositionInfo{1}),
            NtStatus::Success);
  EXPECT_EQ(QueryInfo(fo, FileInformationClass::FilePositionInformation, &position),
            NtStatus::Success);
  EXPECT_EQ(position.currentByteOffset, 1u);
  ObCloseHandle(fo);
}

class InformationTest : public FsClassTest {};

TEST_F(InformationTest, QueryClasses) {
  FileObject* f = MakeFile("/f", "12345");
  FileStat stat;
  ASSERT_EQ(QueryInfo(f, FileInformationClass::FileStatInformation, &stat), NtStatus::Success);
  EXPECT_EQ(stat.size, 5u);
  EXPECT_TRUE(S_ISREG(stat.mode));
  FileStandardInfo standard;
  ASSERT_EQ(QueryInfo(f, FileInformationClass::FileStandardInformation, &standard),
            NtStatus::Success);
  EXPECT_EQ(standard.endOfFile, 5u);
  EXPECT_FALSE(standard.directory);
  FileInternalInfo internal;
  ASSERT_EQ(QueryInfo(f, FileInformationClass::FileInternalInformation, &internal),
            NtStatus::Success);
  EXPECT_EQ(internal.indexNumber, stat.fileId);
  FileBasicInfo basic;
  ASSERT_EQ(QueryInfo(f, FileInformationClass::FileBasicInformation, &basic), NtStatus::Success);
  EXPECT_EQ(basic.attributes, static_cast<uint32_t>(file_attribute::kNormal));
  // Too small a buffer.
  char tiny[4];
  EXPECT_EQ(Send(
                f, IrpMajor::QueryInformation, 0, 0,
                [](IoStackLocation* sl) {
                  sl->parameters.queryFile.length = sizeof tiny;
                  sl->parameters.queryFile.fileInformationClass =
                      FileInformationClass::FileStatInformation;
                },
                tiny),
            NtStatus::InfoLengthMismatch);
  EXPECT_EQ(QueryInfo(f, FileInformationClass::FileSymlinkInformation, &stat),
            NtStatus::NotAReparsePoint);
  Close(f);
}

TEST_F(InformationTest, SetSizeAndPosix) {
  FileObject* f = MakeFile("/f", "12345");
  EXPECT_EQ(SetInfo(f, FileInformationClass::FileEndOfFileInformation, FileEndOfFileInfo{2}),
            NtStatus::Success);
  EXPECT_EQ(fs_->Content("/f"), "12");
  FilePosixInfo posix;
  posix.valid = posix_valid::kMode;
  posix.mode = 0600;
  EXPECT_EQ(SetInfo(f, FileInformationClass::FilePosixInformation, posix), NtStatus::Success);
  EXPECT_EQ(fs_->ModeOf("/f"), static_cast<uint32_t>(S_IFREG | 0600));
  Close(f);
  FileObject* reader = MustOpen({.name = "/f", .access = access::kGenericRead});
  EXPECT_EQ(SetInfo(reader, FileInformationClass::FileEndOfFileInformation, FileEndOfFileInfo{0}),
            NtStatus::AccessDenied);
  Close(reader);
}

TEST_F(InformationTest, RenameRulesAndOpenKeepsWorking) {
  MakeDir("/d");
  FileObject* f = MakeFile("/a", "data");
  Close(MakeFile("/b"));
  FileObject* mover = MustOpen({.name = "/a", .access = access::kDelete});
  FileRenameInfo onto{0, nullptr, "/b"};
  EXPECT_EQ(SetInfo(mover, FileInformationClass::FileRenameInformation, onto),
            NtStatus::ObjectNameCollision);
  FileRenameInfo missingDir{0, nullptr, "/nodir/x"};
  EXPECT_EQ(SetInfo(mover, FileInformationClass::FileRenameInformation, missingDir),
            NtStatus::ObjectPathNotFound);
  FileRenameInfo intoDir{0, nullptr, "/d/moved"};
  EXPECT_EQ(SetInfo(mover, FileInformationClass::FileRenameInformation, intoDir),
            NtStatus::Success);
  EXPECT_FALSE(fs_->Exists("/a"));
  EXPECT_EQ(fs_->Content("/d/moved"), "data");
  FileRenameInfo replace{rename_flag::kReplaceIfExists, nullptr, "/b"};
  EXPECT_EQ(SetInfo(mover, FileInformationClass::FileRenameInformationEx, replace),
            NtStatus::Success);
  EXPECT_EQ(fs_->Content("/b"), "data");
  std::string data;
  EXPECT_EQ(Read(f, 0, 4, &data), NtStatus::Success);
  EXPECT_EQ(data, "data");
  // Without DELETE access there is no rename.
  FileRenameInfo back{0, nullptr, "/a"};
  EXPECT_EQ(SetInfo(f, FileInformationClass::FileRenameInformation, back), NtStatus::AccessDenied);
  Close(mover);
  Close(f);
}

TEST_F(InformationTest, RenameRelativeToRootDirectoryAndDeleteOnCloseFollows) {
  MakeDir("/d");
  Close(MakeFile("/a"));
  FileObject* dir = MustOpen({.name = "/d"});
  FileObject* f =
      MustOpen({.name = "/a", .access = access::kDelete, .options = create_option::kDeleteOnClose});
  FileRenameInfo rel{0, dir, "renamed"};
  EXPECT_EQ(SetInfo(f, FileInformationClass::FileRenameInformation, rel), NtStatus::Success);
  EXPECT_TRUE(fs_->Exists("/d/renamed"));
  Close(f);  // delete-on-close deletes the new name
  EXPECT_FALSE(fs_->Exists("/d/renamed"));
  Close(dir);
}

TEST_F(InformationTest, HardLink) {
  FileObject* f = MakeFile("/a", "x");
  Close(MakeFile("/taken"));
  FileRenameInfo link{0, nullptr, "/b"};
  EXPECT_EQ(SetInfo(f, FileInformationClass::FileLinkInformation, link), NtStatus::Success);
  EXPECT_EQ(fs_->Content("/b"), "x");
  FileRenameInfo taken{0, nullptr, "/taken"};
  EXPECT_EQ(SetInfo(f, FileInformationClass::FileLinkInformation, taken),
            NtStatus::ObjectNameCollision);
  FileStat stat;
  ASSERT_EQ(QueryInfo(f, FileInformationClass::FileStatInformation, &stat), NtStatus::Success);
  EXPECT_EQ(stat.nlink, 2u);
  Close(f);
}

TEST_F(InformationTest, ExtendedAttributes) {
  FileObject* f = MakeFile("/f");
  char value[] = "v1";
  EXPECT_EQ(Send(
                f, IrpMajor::SetEa, 0, 0,
                [](IoStackLocation* sl) {
                  sl->parameters.setEa.name = "user.k";
                  sl->parameters.setEa.length = 2;
                },
                value),
            NtStatus::Success);
  uint64_t info = 0;
  EXPECT_EQ(
      Send(
          f, IrpMajor::QueryEa, 0, 0,
          [](IoStackLocation* sl) { sl->parameters.queryEa.name = "user.k"; }, nullptr, &info),
      NtStatus::Success);
  EXPECT_EQ(info, 2u);  // size probe
  char small[1];
  EXPECT_EQ(Send(
                f, IrpMajor::QueryEa, 0, 0,
                [](IoStackLocation* sl) {
                  sl->parameters.queryEa.name = "user.k";
                  sl->parameters.queryEa.length = 1;
                },
                small, &info),
            NtStatus::BufferTooSmall);
  char out[8] = {};
  EXPECT_EQ(Send(
                f, IrpMajor::QueryEa, 0, 0,
                [](IoStackLocation* sl) {
                  sl->parameters.queryEa.name = "user.k";
                  sl->parameters.queryEa.length = 8;
                },
                out, &info),
            NtStatus::Success);
  EXPECT_EQ(std::string(out, info), "v1");
  // TestFs has no ListEa: the default answers "not supported".
  EXPECT_EQ(Send(
                f, IrpMajor::QueryEa, 0, 0,
                [](IoStackLocation* sl) { sl->parameters.queryEa.length = 8; }, out),
            NtStatus::InvalidDeviceRequest);
  Close(f);
}

TEST_F(InformationTest, VolumeFlushAndDeviceControl) {
  FsFullSizeInfo size;
  EXPECT_EQ(Send(
                nullptr, IrpMajor::QueryVolumeInformation, 0, 0,
                [](IoStackLocation* sl) {
                  sl->parameters.queryVolume.length = sizeof(FsFullSizeInfo);
                  sl->parameters.queryVolume.fsInformationClass =
                      FsInformationClass::FileFsFullSizeInformation;
                },
                &size),
            NtStatus::Success);
  EXPECT_EQ(size.bytesPerSector, 4096u);
  FileObject* f = MakeFile("/f");
  EXPECT_EQ(Send(f, IrpMajor::FlushBuffers, minor::kFlushDataOnly, 0, nullptr), NtStatus::Success);
  EXPECT_EQ(Send(f, IrpMajor::DeviceControl, 0, 0, nullptr), NtStatus::InvalidDeviceRequest);
  EXPECT_EQ(Send(f, IrpMajor::FileSystemControl, 0, 0, nullptr), NtStatus::InvalidDeviceRequest);
  Close(f);
}

}  // namespace
}  // namespace irpfs::fsclass::testing
