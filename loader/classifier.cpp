#include "classifier.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "egress.skel.h"
#include "egresswatch_abi.h"
#include "error.h"

namespace ew {
namespace {

void probe_kernel() {
  if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, nullptr) <= 0) {
    throw Error("this kernel cannot load BPF tc programs (CONFIG_BPF_SYSCALL, CONFIG_NET_CLS_BPF)");
  }
  if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) <= 0) {
    throw Error("this kernel has no BPF ring buffer (it needs Linux 5.8 or later)");
  }
}

}  // namespace

std::string describe_load_error(int err) {
  switch (-err) {
    case EPERM:
      // Capabilities were checked up front, so this is a policy (LSM,
      // unprivileged_bpf_disabled) or, before Linux 5.11, RLIMIT_MEMLOCK.
      return "the kernel refused to load the BPF program: Operation not permitted (it needs "
             "CAP_BPF and CAP_NET_ADMIN; on kernels before 5.11 also a higher RLIMIT_MEMLOCK)";
    case EACCES:
    case EINVAL:
    case E2BIG:
      return "the kernel's verifier rejected the classifier (" + std::string(std::strerror(-err)) +
             "); run with --verbose to see its log";
    default:
      return errno_message("loading the BPF program", err);
  }
}

void Classifier::Destroy::operator()(egress_bpf* skel) const {
  egress_bpf::destroy(skel);
}

Classifier::Classifier(Classifier&&) noexcept = default;
Classifier& Classifier::operator=(Classifier&&) noexcept = default;
Classifier::~Classifier() = default;

Classifier Classifier::load(const ClassifierSettings& settings) {
  probe_kernel();
  std::unique_ptr<egress_bpf, Destroy> skel(egress_bpf::open());
  if (!skel) throw_errno("opening the embedded BPF object", errno);

  skel->rodata->ew_mode = settings.mode == RecordMode::kFlow ? EW_MODE_FLOW : EW_MODE_PACKET;
  if (int err = bpf_map__set_max_entries(skel->maps.ew_records, settings.ring_bytes); err < 0) {
    throw_errno("sizing the ring buffer", err);
  }
  if (int err = egress_bpf::load(skel.get()); err < 0) throw Error(describe_load_error(err));
  return Classifier(std::move(skel));
}

int Classifier::program_fd() const {
  return bpf_program__fd(skel_->progs.egresswatch_egress);
}

uint32_t Classifier::program_id() const {
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(program_fd(), &info, &len) != 0) return 0;
  return info.id;
}

int Classifier::records_fd() const {
  return bpf_map__fd(skel_->maps.ew_records);
}

int Classifier::counters_fd() const {
  return bpf_map__fd(skel_->maps.ew_counters);
}

void Classifier::write_prefix_rules(const std::vector<PrefixRule>& rules) {
  for (int family : {4, 6}) {
    auto n = std::count_if(rules.begin(), rules.end(),
                           [&](const PrefixRule& r) { return r.prefix.family == family; });
    if (n > EW_MAX_PREFIXES) {
      throw Error("too many IPv" + std::to_string(family) + " prefixes: " + std::to_string(n) +
                  " (at most " + std::to_string(EW_MAX_PREFIXES) + ")");
    }
  }
  const int v4 = bpf_map__fd(skel_->maps.ew_prefixes_v4);
  const int v6 = bpf_map__fd(skel_->maps.ew_prefixes_v6);
  for (const auto& rule : rules) {
    const uint32_t verdict = static_cast<uint32_t>(rule.verdict);
    int err;
    if (rule.prefix.family == 4) {
      ew_lpm_v4_key key{rule.prefix.length, {}};
      std::memcpy(key.addr, rule.prefix.addr.data(), 4);
      err = bpf_map_update_elem(v4, &key, &verdict, BPF_ANY);
    } else {
      ew_lpm_v6_key key{rule.prefix.length, {}};
      std::memcpy(key.addr, rule.prefix.addr.data(), 16);
      err = bpf_map_update_elem(v6, &key, &verdict, BPF_ANY);
    }
    if (err < 0) throw_errno("writing prefix " + rule.prefix.to_string(), errno);
  }
}

}  // namespace ew
