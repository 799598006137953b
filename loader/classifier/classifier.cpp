#include "classifier/classifier.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "core/error.h"
#include "egress.skel.h"
#include "egresswatch_abi.h"
#include "prefixes/fast_prefix_table.h"

namespace ew {
namespace {

bool kernel_has_ring_buffer() {
  return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) > 0;
}

// BPF_F_MMAPABLE arrays came with Linux 5.5. One tiny map says whether we
// have them: a map the kernel refuses would fail the whole load.
bool kernel_has_mmapable_arrays() {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
  const int fd =
      bpf_map_create(BPF_MAP_TYPE_ARRAY, nullptr, sizeof(uint32_t), sizeof(uint32_t), 1, &opts);
  if (fd < 0) return false;
  close(fd);
  return true;
}

// Checks the kernel can run us at all and settles kAuto.
Transport probe_kernel(Transport wanted) {
  if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, nullptr) <= 0) {
    throw Error("this kernel cannot load BPF tc programs (CONFIG_BPF_SYSCALL, CONFIG_NET_CLS_BPF)");
  }
  switch (wanted) {
    case Transport::kRingBuffer:
      if (!kernel_has_ring_buffer()) {
        throw Error(
            "this kernel has no BPF ring buffer (it needs Linux 5.8 or later); "
            "use --transport perf or auto");
      }
      return wanted;
    case Transport::kPerfBuffer:
      return wanted;
    case Transport::kAuto:
      break;
  }
  return kernel_has_ring_buffer() ? Transport::kRingBuffer : Transport::kPerfBuffer;
}

void write_rule(int v4, int v6, const PrefixRule& rule) {
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
  if (err < 0) throw_last_error("writing prefix " + rule.prefix.to_string());
}

void delete_rule(int v4, int v6, const PrefixRule& rule) {
  int err;
  if (rule.prefix.family == 4) {
    ew_lpm_v4_key key{rule.prefix.length, {}};
    std::memcpy(key.addr, rule.prefix.addr.data(), 4);
    err = bpf_map_delete_elem(v4, &key);
  } else {
    ew_lpm_v6_key key{rule.prefix.length, {}};
    std::memcpy(key.addr, rule.prefix.addr.data(), 16);
    err = bpf_map_delete_elem(v6, &key);
  }
  if (err < 0 && errno != ENOENT) throw_last_error("removing prefix " + rule.prefix.to_string());
}

// Writes ew_fast through a shared mapping of the map: a pass over memory
// instead of 131,072 element updates in the kernel. False when the map cannot
// be mapped (created without BPF_F_MMAPABLE).
bool store_fast_table_mapped(int map_fd, const std::vector<uint32_t>& values) {
  const size_t bytes = values.size() * kFastSlotWords * sizeof(uint32_t);
  void* live = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (live == MAP_FAILED) return false;
  store_fast_table(values, static_cast<uint32_t*>(live));
  munmap(live, bytes);
  return true;
}

// ew_fast holds both families: IPv4 blocks first, then IPv6 (see maps.h).
// Each entry changes on its own in every path, as packets may be reading.
void write_fast_table(int map_fd, bool mmapable, const std::vector<PrefixRule>& rules) {
  const std::vector<uint32_t> values = build_fast_tables(rules);
  if (mmapable && store_fast_table_mapped(map_fd, values)) return;
  std::vector<uint32_t> keys(values.size());
  for (uint32_t i = 0; i < keys.size(); i++)
    keys[i] = i;
  uint32_t count = static_cast<uint32_t>(values.size());
  if (bpf_map_update_batch(map_fd, keys.data(), values.data(), &count, nullptr) == 0) return;
  // Kernels before 5.6 have no batch updates.
  for (uint32_t i = 0; i < values.size(); i++) {
    if (bpf_map_update_elem(map_fd, &keys[i], &values[i], BPF_ANY) != 0) {
      throw_last_error("writing the fast prefix table");
    }
  }
}

// The prefixes of a rule list, for membership tests in constant time: a
// reload compares two lists of up to 2 x 16,384 prefixes.
struct PrefixHash {
  size_t operator()(const Prefix& p) const {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    auto mix = [&h](uint8_t byte) { h = (h ^ byte) * 1099511628211ull; };
    mix(static_cast<uint8_t>(p.family));
    mix(p.length);
    for (uint8_t byte : p.addr)
      mix(byte);
    return static_cast<size_t>(h);
  }
};
using PrefixSet = std::unordered_set<Prefix, PrefixHash>;

PrefixSet prefixes_of(const std::vector<PrefixRule>& rules) {
  PrefixSet set;
  set.reserve(rules.size());
  for (const auto& rule : rules)
    set.insert(rule.prefix);
  return set;
}

void check_table_size(const std::vector<PrefixRule>& rules) {
  for (int family : {4, 6}) {
    auto n = std::count_if(rules.begin(), rules.end(),
                           [&](const PrefixRule& r) { return r.prefix.family == family; });
    if (n > EW_MAX_PREFIXES) {
      throw Error("too many IPv" + std::to_string(family) + " prefixes: " + std::to_string(n) +
                  " (at most " + std::to_string(EW_MAX_PREFIXES) + ")");
    }
  }
}

}  // namespace

namespace {

// The oldest kernel the classifier is claimed for: Debian 11's 5.10 (CAP_BPF
// and CAP_PERFMON are 5.8's). What once set the floor at 5.12 is gone: the
// header parser is inlined (global functions took pointer arguments only
// from 5.12) and --rate-limit adds without fetching (BPF_FETCH is 5.12's).
constexpr int kKernelFloorMajor = 5;
constexpr int kKernelFloorMinor = 10;

bool older_than_floor(std::string_view release) {
  int major = 0;
  int minor = 0;
  const std::string text(release);
  if (std::sscanf(text.c_str(), "%d.%d", &major, &minor) != 2) return false;
  return major < kKernelFloorMajor || (major == kKernelFloorMajor && minor < kKernelFloorMinor);
}

}  // namespace

std::string describe_load_error(int err, std::string_view kernel_release) {
  switch (-err) {
    case EPERM:
      // Capabilities were checked up front, so this is a policy (LSM,
      // unprivileged_bpf_disabled) or, before Linux 5.11, RLIMIT_MEMLOCK.
      return "the kernel refused to load the BPF program: Operation not permitted (it needs "
             "CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN; on kernels before 5.11 also a higher "
             "RLIMIT_MEMLOCK)";
    case EACCES:
    case EINVAL:
    case E2BIG:
      // Not refused up front by version: distribution kernels backport BPF.
      if (older_than_floor(kernel_release)) {
        return "the kernel's verifier rejected the classifier (" +
               std::string(std::strerror(-err)) + "): this kernel is Linux " +
               std::string(kernel_release) +
               ", and the classifier needs Linux 5.10 or later; run with --verbose to see the "
               "verifier's log";
      }
      return "the kernel's verifier rejected the classifier (" + std::string(std::strerror(-err)) +
             "); run with --verbose to see its log";
    default:
      return errno_message("loading the BPF program", err);
  }
}

std::string describe_load_error(int err) {
  utsname u{};
  return describe_load_error(err, uname(&u) == 0 ? u.release : "");
}

void Classifier::Destroy::operator()(egress_bpf* skel) const {
  egress_bpf::destroy(skel);
}

Classifier::Classifier(Classifier&&) noexcept = default;
Classifier& Classifier::operator=(Classifier&&) noexcept = default;
Classifier::~Classifier() = default;

Classifier Classifier::load(const ClassifierSettings& settings) {
  const Transport transport = probe_kernel(settings.transport);
  std::unique_ptr<egress_bpf, Destroy> skel(egress_bpf::open());
  if (!skel) throw_last_error("opening the embedded BPF object");

  skel->rodata->ew_mode = settings.mode == RecordMode::kFlow ? EW_MODE_FLOW : EW_MODE_PACKET;
  skel->rodata->ew_sample_every = settings.sample_every ? settings.sample_every : 1;
  skel->rodata->ew_rate_limit = settings.rate_limit;
  skel->rodata->ew_lan_ifindex = settings.lan_ifindex;
  skel->rodata->ew_uplink_ifindex = settings.uplink_ifindex;

  // Only the entry point and the map of the transport in use are loaded: a
  // kernel without ring buffers cannot even create the ring buffer map.
  const bool perf = transport == Transport::kPerfBuffer;
  bpf_program__set_autoload(skel->progs.egresswatch_egress, !perf);
  bpf_program__set_autoload(skel->progs.egresswatch_egress_perf, perf);
  bpf_map__set_autocreate(skel->maps.ew_records, !perf);
  bpf_map__set_autocreate(skel->maps.ew_events, perf);
  if (!perf) {
    if (int err = bpf_map__set_max_entries(skel->maps.ew_records, settings.ring_bytes); err < 0) {
      throw_errno("sizing the ring buffer", err);
    }
  }
  // Packet mode never touches the flow table; keep it (preallocated) tiny.
  const uint32_t flows = settings.mode == RecordMode::kFlow ? settings.flow_table_size : 1;
  if (int err = bpf_map__set_max_entries(skel->maps.ew_flows, flows); err < 0) {
    throw_errno("sizing the flow table", err);
  }
  // ew_fast is declared BPF_F_MMAPABLE so the loader can fill it through
  // memory; older kernels get a plain array, filled by map updates.
  if (!kernel_has_mmapable_arrays()) {
    bpf_map__set_map_flags(skel->maps.ew_fast,
                           bpf_map__map_flags(skel->maps.ew_fast) & ~BPF_F_MMAPABLE);
  }
  if (int err = egress_bpf::load(skel.get()); err < 0) throw Error(describe_load_error(err));
  return Classifier(std::move(skel), transport);
}

int Classifier::program_fd() const {
  return bpf_program__fd(transport_ == Transport::kPerfBuffer ? skel_->progs.egresswatch_egress_perf
                                                              : skel_->progs.egresswatch_egress);
}

uint32_t Classifier::program_id() const {
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  // The id is how we later recognise our own filter; without it we could not
  // detach safely, so there is no attaching either.
  if (bpf_obj_get_info_by_fd(program_fd(), &info, &len) != 0) {
    throw_last_error("reading the BPF program's id");
  }
  return info.id;
}

int Classifier::records_fd() const {
  return bpf_map__fd(transport_ == Transport::kPerfBuffer ? skel_->maps.ew_events
                                                          : skel_->maps.ew_records);
}

int Classifier::flows_fd() const {
  return bpf_map__fd(skel_->maps.ew_flows);
}

int Classifier::counters_fd() const {
  return bpf_map__fd(skel_->maps.ew_counters);
}

void Classifier::write_prefix_rules(const std::vector<PrefixRule>& rules) {
  replace_prefix_rules({}, rules);
}

void Classifier::replace_prefix_rules(const std::vector<PrefixRule>& old_rules,
                                      const std::vector<PrefixRule>& new_rules) {
  // Old and new entries are in the tries together for a moment.
  const PrefixSet old_prefixes = prefixes_of(old_rules);
  std::vector<PrefixRule> both = old_rules;
  for (const auto& rule : new_rules) {
    if (!old_prefixes.count(rule.prefix)) both.push_back(rule);
  }
  check_table_size(both);
  const int v4 = bpf_map__fd(skel_->maps.ew_prefixes_v4);
  const int v6 = bpf_map__fd(skel_->maps.ew_prefixes_v6);
  try {
    install_rules(v4, v6, old_rules, new_rules);
  } catch (const Error& first) {
    // Put the old lists back as they were, so "kept the old lists" is true:
    // installing them over whatever of both lists got in.
    try {
      install_rules(v4, v6, both, old_rules);
    } catch (const Error& second) {
      // The first failure is the one that explains what happened; the
      // second says what state the classifier is left in.
      throw PrefixRollbackError(std::string(first.what()) +
                                "; putting the old prefix lists back also failed (" +
                                second.what() + "), so the lists in the kernel may be a mix");
    }
    throw;
  }
}

void Classifier::install_rules(int v4, int v6, const std::vector<PrefixRule>& old_rules,
                               const std::vector<PrefixRule>& new_rules) {
  // The tries get the new entries first, then the fast table switches to
  // them, then stale trie entries go: at no point is a block sent to the
  // trie before the trie can answer for it.
  for (const auto& rule : new_rules)
    write_rule(v4, v6, rule);
  const bool mmapable = bpf_map__map_flags(skel_->maps.ew_fast) & BPF_F_MMAPABLE;
  write_fast_table(bpf_map__fd(skel_->maps.ew_fast), mmapable, new_rules);
  const PrefixSet kept = prefixes_of(new_rules);
  for (const auto& old : old_rules) {
    if (!kept.count(old.prefix)) delete_rule(v4, v6, old);
  }
}

}  // namespace ew
