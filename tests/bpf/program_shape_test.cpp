// What the classifier's shape must be to load on the kernels a Raspberry Pi
// runs and on the oldest one claimed: no global subprogram (the verifier
// types a global function's context argument from the kernel's BTF, which
// Raspberry Pi OS kernels lack), no instruction newer than that oldest
// kernel, and a verification cost well inside the budget, since older
// verifiers prune fewer states than this machine's and reach the 1,000,000
// limit first.
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "egress.skel.h"
#include "privileges.h"

namespace ew::test {
namespace {

struct CloseObject {
  void operator()(bpf_object* obj) const { bpf_object__close(obj); }
};
using Object = std::unique_ptr<bpf_object, CloseObject>;

Object open_classifier_object() {
  size_t size = 0;
  const void* bytes = egress_bpf__elf_bytes(&size);
  return Object(bpf_object__open_mem(bytes, size, nullptr));
}

TEST(ProgramShape, NoGlobalFunctionButTheEntryPoints) {
  Object obj = open_classifier_object();
  ASSERT_TRUE(obj) << "opening the embedded BPF object";
  const btf* types = bpf_object__btf(obj.get());
  ASSERT_NE(types, nullptr) << "the object carries no BTF";
  int functions = 0;
  for (unsigned id = 1; id < btf__type_cnt(types); id++) {
    const btf_type* t = btf__type_by_id(types, id);
    if (!btf_is_func(t)) continue;
    functions++;
    if (btf_vlen(t) != BTF_FUNC_GLOBAL) continue;  // a FUNC's vlen is its linkage
    const char* name = btf__name_by_offset(types, t->name_off);
    EXPECT_NE(bpf_object__find_program_by_name(obj.get(), name), nullptr)
        << name << " is a global subprogram: a kernel without BTF refuses it";
  }
  EXPECT_GE(functions, 2) << "no entry points found in the BTF";
}

// BPF_FETCH (an atomic operation that returns the old value) is Linux 5.12's;
// an older verifier refuses the program for it, used or not. The plain atomic
// add (BPF_XADD) is in every kernel.
TEST(ProgramShape, NoAtomicFetchInstructions) {
  Object obj = open_classifier_object();
  ASSERT_TRUE(obj);
  bpf_program* p = nullptr;
  bpf_object__for_each_program(p, obj.get()) {
    const bpf_insn* insns = bpf_program__insns(p);
    for (size_t i = 0; i < bpf_program__insn_cnt(p); i++) {
      const bool atomic = insns[i].code == (BPF_STX | BPF_DW | BPF_ATOMIC) ||
                          insns[i].code == (BPF_STX | BPF_W | BPF_ATOMIC);
      EXPECT_FALSE(atomic && (insns[i].imm & BPF_FETCH))
          << bpf_program__name(p) << ": instruction " << i << " is an atomic fetch";
    }
  }
}

// "processed N insns" from the verifier's statistics for the entry point.
long verified_instructions(const char* program) {
  Object obj = open_classifier_object();
  if (!obj) return -1;
  static std::vector<char> log(1 << 20);
  bpf_program* p = nullptr;
  bpf_object__for_each_program(p, obj.get()) {
    const bool wanted = std::string(bpf_program__name(p)) == program;
    bpf_program__set_autoload(p, wanted);
    if (wanted) {
      bpf_program__set_log_level(p, 4);  // BPF_LOG_STATS
      bpf_program__set_log_buf(p, log.data(), log.size());
    }
  }
  if (bpf_object__load(obj.get()) != 0) return -1;
  const std::string text(log.data());
  const size_t at = text.find("processed ");
  if (at == std::string::npos) return -1;
  return std::strtol(text.c_str() + at + 10, nullptr, 10);
}

TEST(ProgramShape, VerificationCostIsWellInsideTheBudget) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  for (const char* program : {"egresswatch_egress", "egresswatch_egress_perf"}) {
    const long processed = verified_instructions(program);
    ASSERT_GT(processed, 0) << program << ": no verifier statistics";
    // 1,000,000 is the limit; this kernel's verifier needs about 35,000.
    EXPECT_LT(processed, 400'000) << program;
    std::printf("%s: %ld instructions processed by the verifier\n", program, processed);
  }
}

}  // namespace
}  // namespace ew::test
