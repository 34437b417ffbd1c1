// `irpfs filetest` end to end (the binary): the in-process target prints each step's
// result and the IRPs it produced; the path target shows the open(2) mapping.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

std::string RunFileTest(const std::string& args, int* status) {
  std::string command = std::string(IRPFS_BINARY) + " filetest " + args + " 2>&1 </dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  std::string text;
  char chunk[512];
  size_t n;
  while (pipe != nullptr && (n = fread(chunk, 1, sizeof chunk, pipe)) > 0) text.append(chunk, n);
  int raw = pipe != nullptr ? pclose(pipe) : -1;
  *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return text;
}

TEST(FileTest, InprocStepsShowResultsAndIrps) {
  int status = 0;
  std::string out = RunFileTest(
      "--inproc /a.txt --access rw --share none --disposition create-new "
      "write hello read 5 0 lock 0 10 setsize 2 query close",
      &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("ok: handle"), std::string::npos) << out;
  EXPECT_NE(out.find("action FILE_CREATED"), std::string::npos) << out;
  EXPECT_NE(out.find("disposition=FILE_CREATE"), std::string::npos) << out;
  EXPECT_NE(out.find("> read 5 0\n  ok: 5 bytes \"hello\"\n    #5 down IRP_MJ_READ"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("IRP_MJ_LOCK_CONTROL minor=IRP_MN_LOCK"), std::string::npos) << out;
  EXPECT_NE(out.find("ok: id 2 size 2"), std::string::npos) << out;
  EXPECT_NE(out.find("up IRP_MJ_CLOSE"), std::string::npos) << out;
}

TEST(FileTest, InprocFailureShowsTheStatus) {
  int status = 0;
  std::string out = RunFileTest("--inproc /missing --access r --disposition open query", &status);
  EXPECT_NE(out.find("failed: error 2, STATUS_OBJECT_NAME_NOT_FOUND"), std::string::npos) << out;
  EXPECT_NE(out.find("status=STATUS_OBJECT_NAME_NOT_FOUND"), std::string::npos) << out;
}

TEST(FileTest, PathTargetMapsToOpenFlags) {
  char dir[] = "/tmp/irpfs-filetest-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/f";
  std::string script = std::string(dir) + "/steps";
  std::ofstream(script) << "write abc\n# a comment\nread 3 0\nclose\n";
  int status = 0;
  std::string out = RunFileTest(
      path + " --access rw --disposition create-new --flags random --script " + script, &status);
  EXPECT_EQ(status, 0) << out;
  // The descriptor number depends on what the test runner left open.
  EXPECT_NE(out.find("O_RDWR|O_CREAT|O_EXCL) = "), std::string::npos) << out;
  EXPECT_NE(out.find(": posix_fadvise POSIX_FADV_RANDOM: ok"), std::string::npos) << out;
  EXPECT_NE(out.find("pread = 3: \"abc\""), std::string::npos) << out;
  out = RunFileTest(path + " --access r --disposition create-new", &status);
  EXPECT_NE(out.find("= -1 EEXIST"), std::string::npos) << out;
  out = RunFileTest(path + " --access nonsense", &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("--access: unknown value 'nonsense'"), std::string::npos) << out;
  unlink(path.c_str());
  unlink(script.c_str());
  rmdir(dir);
}

}  // namespace
