#include "classifier_harness.h"

#include <bpf/bpf.h>
#include <net/if.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "classifier/libbpf_log.h"
#include "core/error.h"
#include "records/record_source.h"

namespace ew::test {
namespace {

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

Counters difference(const Counters& after, const Counters& before) {
  Counters d;
  for (const CounterField& field : kCounterFields)
    d.*field.member = after.*field.member - before.*field.member;
  return d;
}

Classifier load_quietly(const ClassifierSettings& settings) {
  // EW_BPF_TEST_VERBOSE=1 shows libbpf's messages and the verifier's log.
  install_libbpf_log(std::getenv("EW_BPF_TEST_VERBOSE") != nullptr);
  return Classifier::load(settings);
}

// A perf sample carries the record padded so that it and its 4-byte size
// header end on 8 bytes (perf_prepare_sample); the padding is not zeroed.
constexpr size_t kPerfSampleSize =
    (sizeof(ew_record) + sizeof(uint32_t) + 7) / 8 * 8 - sizeof(uint32_t);

}  // namespace

std::vector<ProgramMap> program_maps(int prog_fd) {
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) {
    throw_errno("reading the program's info", errno);
  }
  std::vector<uint32_t> ids(info.nr_map_ids);
  info = {};
  info.nr_map_ids = static_cast<uint32_t>(ids.size());
  info.map_ids = reinterpret_cast<uintptr_t>(ids.data());
  len = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) {
    throw_errno("reading the program's maps", errno);
  }
  std::vector<ProgramMap> maps;
  for (uint32_t id : ids) {
    UniqueFd fd(bpf_map_get_fd_by_id(id));
    if (!fd.valid()) throw_errno("opening map " + std::to_string(id), errno);
    bpf_map_info map_info{};
    uint32_t map_len = sizeof(map_info);
    if (bpf_obj_get_info_by_fd(fd.get(), &map_info, &map_len) != 0) {
      throw_errno("reading map " + std::to_string(id), errno);
    }
    maps.push_back({map_info.name, map_info.type, id});
  }
  return maps;
}

UniqueFd program_map_fd(int prog_fd, std::string_view name) {
  for (const ProgramMap& map : program_maps(prog_fd)) {
    if (map.name == name) {
      UniqueFd fd(bpf_map_get_fd_by_id(map.id));
      if (!fd.valid()) throw_errno("opening " + map.name, errno);
      return fd;
    }
  }
  throw Error("the program uses no map called " + std::string(name));
}

uint32_t map_type(int map_fd) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (map_fd < 0 || bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0) return 0;
  return info.type;
}

ClassifierHarness::ClassifierHarness(const PrefixOptions& options,
                                     const ClassifierSettings& settings, size_t perf_pages)
    : classifier_(load_quietly(settings)), rules_(build_prefix_rules(options)) {
  classifier_.write_prefix_rules(rules_);
  if (classifier_.transport() == Transport::kPerfBuffer) {
    perf_.reset(perf_buffer__new(classifier_.records_fd(), perf_pages,
                                 &ClassifierHarness::on_perf_sample,
                                 &ClassifierHarness::on_perf_lost, this, nullptr));
    if (!perf_) throw_errno("opening the perf buffer on records_fd()", errno);
  } else {
    ring_.reset(ring_buffer__new(classifier_.records_fd(), &ClassifierHarness::on_ring_sample, this,
                                 nullptr));
    if (!ring_) throw_errno("opening the ring buffer on records_fd()", errno);
  }
}

void ClassifierHarness::collect(const void* data, size_t size, bool padded) {
  if (!collecting_) return;
  // A perf sample may carry the record's alignment padding after it.
  if (padded && size == kPerfSampleSize) size = sizeof(ew_record);
  ew_record record{};
  if (decode_record({static_cast<const uint8_t*>(data), size}, record)) {
    collecting_->records.push_back(record);
  } else {
    collecting_->malformed_records++;
  }
}

int ClassifierHarness::on_ring_sample(void* ctx, void* data, size_t size) {
  static_cast<ClassifierHarness*>(ctx)->collect(data, size, false);
  return 0;
}

void ClassifierHarness::on_perf_sample(void* ctx, int, void* data, uint32_t size) {
  static_cast<ClassifierHarness*>(ctx)->collect(data, size, true);
}

void ClassifierHarness::on_perf_lost(void* ctx, int, __u64 count) {
  auto* self = static_cast<ClassifierHarness*>(ctx);
  if (self->collecting_) self->collecting_->perf_lost += count;
}

int ClassifierHarness::consume() {
  return perf_ ? perf_buffer__consume(perf_.get()) : ring_buffer__consume(ring_.get());
}

RunResult ClassifierHarness::run(const Bytes& frame, uint32_t ifindex, int repeat,
                                 uint32_t gso_segs, uint32_t ingress_ifindex) {
  RunResult result;
  // Whatever an earlier run left behind is not this run's.
  consume();

  __sk_buff ctx{};
  ctx.ifindex = ifindex;
  ctx.ingress_ifindex = ingress_ifindex;
  ctx.gso_segs = gso_segs;
  // Room for more than the frame, so a program that grew it would show.
  result.data_out.assign(frame.size() + 256, 0);

  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<uint32_t>(frame.size());
  opts.data_out = result.data_out.data();
  opts.data_size_out = static_cast<uint32_t>(result.data_out.size());
  opts.ctx_in = &ctx;
  opts.ctx_size_in = sizeof(ctx);
  opts.repeat = repeat;

  const Counters before = read_counters(classifier_.counters_fd());
  result.monotonic_before_ns = monotonic_ns();
  if (bpf_prog_test_run_opts(classifier_.program_fd(), &opts) != 0) result.error = -errno;
  result.monotonic_after_ns = monotonic_ns();
  result.retval = static_cast<int32_t>(opts.retval);
  result.data_out.resize(result.error == 0 ? opts.data_size_out : 0);

  collecting_ = &result;
  const int consumed = consume();
  collecting_ = nullptr;
  if (consumed < 0) throw_errno("reading the records", -consumed);
  result.counters = difference(read_counters(classifier_.counters_fd()), before);
  return result;
}

int ClassifierHarness::map_fd(UniqueFd& cache, std::string_view name) const {
  if (!cache.valid()) cache = program_map_fd(classifier_.program_fd(), name);
  return cache.get();
}

std::vector<FlowEntry> ClassifierHarness::flows() const {
  const int fd = classifier_.flows_fd();
  std::vector<FlowEntry> entries;
  ew_flow_key key{};
  ew_flow_key next{};
  const ew_flow_key* previous = nullptr;
  while (bpf_map_get_next_key(fd, previous, &next) == 0) {
    FlowEntry entry{next, {}};
    // An LRU entry can go between the two calls: skip it then.
    if (bpf_map_lookup_elem(fd, &next, &entry.stats) == 0) entries.push_back(entry);
    key = next;
    previous = &key;
  }
  if (errno != ENOENT) throw_errno("reading ew_flows", errno);
  return entries;
}

std::optional<ew_flow_stats> ClassifierHarness::flow(const ew_flow_key& key) const {
  ew_flow_stats stats{};
  if (bpf_map_lookup_elem(classifier_.flows_fd(), &key, &stats) != 0) return std::nullopt;
  return stats;
}

std::vector<FragmentEntry> ClassifierHarness::fragments() const {
  const int fd = map_fd(fragments_fd_, "ew_fragments");
  std::vector<FragmentEntry> entries;
  ew_fragment_key key{};
  ew_fragment_key next{};
  const ew_fragment_key* previous = nullptr;
  while (bpf_map_get_next_key(fd, previous, &next) == 0) {
    FragmentEntry entry{next, {}};
    if (bpf_map_lookup_elem(fd, &next, &entry.ports) == 0) entries.push_back(entry);
    key = next;
    previous = &key;
  }
  if (errno != ENOENT) throw_errno("reading ew_fragments", errno);
  return entries;
}

ew_flow_key flow_key(uint32_t ifindex, const Address& src, const Address& dst, uint8_t proto,
                     uint16_t sport, uint16_t dport, uint16_t vlan, uint16_t vlan_inner) {
  ew_flow_key key{};
  key.ifindex = ifindex;
  key.family = static_cast<uint8_t>(dst.family);
  key.proto = proto;
  key.vlan = vlan;
  key.vlan_inner = vlan_inner;
  // Non-zero IDs stand for tags here; a test of VLAN 0 sets the bits itself.
  key.vlan_flags =
      static_cast<uint16_t>((vlan ? EW_FLAG_VLAN : 0) | (vlan_inner ? EW_FLAG_VLAN_INNER : 0));
  key.sport = sport;
  key.dport = dport;
  std::copy(src.bytes.begin(), src.bytes.end(), key.src);
  std::copy(dst.bytes.begin(), dst.bytes.end(), key.dst);
  return key;
}

CpuPin::CpuPin() {
  const int cpu = sched_getcpu();
  if (cpu < 0 || sched_getaffinity(0, sizeof(previous_), &previous_) != 0) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(static_cast<size_t>(cpu), &one);
  pinned_ = sched_setaffinity(0, sizeof(one), &one) == 0;
}

CpuPin::~CpuPin() {
  if (pinned_) sched_setaffinity(0, sizeof(previous_), &previous_);
}

uint32_t test_ifindex() {
  static const uint32_t index = [] {
    uint32_t found = 1;
    if (struct if_nameindex* names = if_nameindex()) {
      for (struct if_nameindex* n = names; n->if_index != 0; n++) {
        if (n->if_index > 1) {
          found = n->if_index;
          break;
        }
      }
      if_freenameindex(names);
    }
    return found;
  }();
  return index;
}

}  // namespace ew::test
