// The message shown when the kernel refuses the program, checked against a
// real refusal: a program the verifier must reject.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cerrno>

#include "classifier/classifier.h"
#include "core/unique_fd.h"
#include "privileges.h"

namespace ew {
namespace {

TEST(LoadError, AVerifierRejectionIsNamedAsSuch) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  // r0 = r2; exit: r2 is never written, which the verifier refuses.
  const bpf_insn program[] = {
      {BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_2, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  UniqueFd fd(bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "rejected", "GPL", program, 2, nullptr));
  const int err = -errno;
  ASSERT_FALSE(fd.valid()) << "the verifier accepted a read of an uninitialised register";
  const std::string message = describe_load_error(err);
  EXPECT_NE(message.find("verifier rejected the classifier"), std::string::npos) << message;
  EXPECT_NE(message.find("--verbose"), std::string::npos) << message;
}

TEST(LoadError, ARejectionOnAKernelBefore510NamesTheFloor) {
  const std::string message = describe_load_error(-EINVAL, "5.4.0-150-generic");
  EXPECT_NE(message.find("this kernel is Linux 5.4.0-150-generic"), std::string::npos) << message;
  EXPECT_NE(message.find("needs Linux 5.10 or later"), std::string::npos) << message;
  EXPECT_NE(message.find("--verbose"), std::string::npos) << message;
  EXPECT_NE(describe_load_error(-EACCES, "4.19.0").find("needs Linux 5.10"), std::string::npos);
}

TEST(LoadError, ARejectionOnANewerKernelDoesNotBlameItsAge) {
  for (const char* release : {"5.10.0-23-amd64", "6.18.0-1-amd64", "10.0", "weird"}) {
    const std::string message = describe_load_error(-EINVAL, release);
    EXPECT_EQ(message.find("needs Linux"), std::string::npos) << release << ": " << message;
    EXPECT_NE(message.find("verifier rejected the classifier"), std::string::npos) << message;
  }
}

TEST(LoadError, APermissionRefusalNamesTheCapabilities) {
  const std::string message = describe_load_error(-EPERM);
  EXPECT_NE(message.find("CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN"), std::string::npos) << message;
}

TEST(LoadError, OtherErrorsKeepTheirText) {
  const std::string message = describe_load_error(-ENOMEM);
  EXPECT_NE(message.find("loading the BPF program: Cannot allocate memory"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace ew
