#include "transport/fuse/dispatcher.h"

#include <cerrno>

namespace irpfs::fuse {

void FuseDispatcher::Lookup(const RequestContext&, std::string_view, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Getattr(const RequestContext&, const fuse_getattr_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Setattr(const RequestContext&, const fuse_setattr_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Statx(const RequestContext&, const fuse_statx_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Access(const RequestContext&, const fuse_access_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Statfs(const RequestContext&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Readlink(const RequestContext&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Symlink(const RequestContext&, std::string_view, std::string_view,
                             Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Mknod(const RequestContext&, const fuse_mknod_in&, std::string_view,
                           Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Mkdir(const RequestContext&, const fuse_mkdir_in&, std::string_view,
                           Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Unlink(const RequestContext&, std::string_view, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Rmdir(const RequestContext&, std::string_view, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Rename(const RequestContext&, const fuse_rename_in&, std::string_view,
                            std::string_view, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Rename2(const RequestContext&, const fuse_rename2_in&, std::string_view,
                             std::string_view, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Link(const RequestContext&, const fuse_link_in&, std::string_view,
                          Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Create(const RequestContext&, const fuse_create_in&, std::string_view,
                            Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Tmpfile(const RequestContext&, const fuse_create_in&, std::string_view,
                             Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Open(const RequestContext&, const fuse_open_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Read(const RequestContext&, const fuse_read_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Write(const RequestContext&, const fuse_write_in&, std::span<const std::byte>,
                           Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Flush(const RequestContext&, const fuse_flush_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Release(const RequestContext&, const fuse_release_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Fsync(const RequestContext&, const fuse_fsync_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Fallocate(const RequestContext&, const fuse_fallocate_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::CopyFileRange(const RequestContext&, const fuse_copy_file_range_in&,
                                   Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::CopyFileRange64(const RequestContext&, const fuse_copy_file_range_in&,
                                     Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Lseek(const RequestContext&, const fuse_lseek_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Opendir(const RequestContext&, const fuse_open_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Readdir(const RequestContext&, const fuse_read_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Readdirplus(const RequestContext&, const fuse_read_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Releasedir(const RequestContext&, const fuse_release_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Fsyncdir(const RequestContext&, const fuse_fsync_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Setxattr(const RequestContext&, const fuse_setxattr_in&, std::string_view,
                              std::span<const std::byte>, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Getxattr(const RequestContext&, const fuse_getxattr_in&, std::string_view,
                              Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Listxattr(const RequestContext&, const fuse_getxattr_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Removexattr(const RequestContext&, std::string_view, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Getlk(const RequestContext&, const fuse_lk_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Setlk(const RequestContext&, const fuse_lk_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Setlkw(const RequestContext&, const fuse_lk_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Ioctl(const RequestContext&, const fuse_ioctl_in&, std::span<const std::byte>,
                           Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Poll(const RequestContext&, const fuse_poll_in&, Reply reply) {
  reply.Error(ENOSYS);
}
void FuseDispatcher::Destroy(const RequestContext&, Reply reply) {
  reply.Empty();
}

}  // namespace irpfs::fuse
