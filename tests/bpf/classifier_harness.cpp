#include "classifier_harness.h"

#include <bpf/bpf.h>
#include <net/if.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>

#include "error.h"
#include "libbpf_log.h"
#include "record_source.h"

namespace ew::test {
namespace {

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

Counters difference(const Counters& after, const Counters& before) {
  Counters d;
  d.seen = after.seen - before.seen;
  d.matched = after.matched - before.matched;
  d.lost = after.lost - before.lost;
  d.unparsed = after.unparsed - before.unparsed;
  d.non_ip = after.non_ip - before.non_ip;
  return d;
}

Classifier load_quietly(const ClassifierSettings& settings) {
  // EW_BPF_TEST_VERBOSE=1 shows libbpf's messages and the verifier's log.
  install_libbpf_log(std::getenv("EW_BPF_TEST_VERBOSE") != nullptr);
  return Classifier::load(settings);
}

}  // namespace

ClassifierHarness::ClassifierHarness(const PrefixOptions& options,
                                     const ClassifierSettings& settings)
    : classifier_(load_quietly(settings)), rules_(build_prefix_rules(options)) {
  classifier_.write_prefix_rules(rules_);
  ring_.reset(
      ring_buffer__new(classifier_.records_fd(), &ClassifierHarness::on_sample, this, nullptr));
  if (!ring_) throw_errno("opening the ring buffer", errno);
}

int ClassifierHarness::on_sample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<ClassifierHarness*>(ctx);
  if (!self->collecting_) return 0;
  ew_record record{};
  if (decode_record({static_cast<const uint8_t*>(data), size}, record)) {
    self->collecting_->records.push_back(record);
  } else {
    self->collecting_->malformed_records++;
  }
  return 0;
}

RunResult ClassifierHarness::run(const Bytes& frame, uint32_t ifindex, int repeat) {
  RunResult result;
  // Whatever an earlier run left behind is not this run's.
  ring_buffer__consume(ring_.get());

  __sk_buff ctx{};
  ctx.ifindex = ifindex;
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
  const int consumed = ring_buffer__consume(ring_.get());
  collecting_ = nullptr;
  if (consumed < 0) throw_errno("reading the ring buffer", consumed);
  result.counters = difference(read_counters(classifier_.counters_fd()), before);
  return result;
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
