// The loaded classifier: the bpftool skeleton of bpf/egress.bpf.c, owned
// here, configured through its read-only globals before load.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "prefixes/prefix.h"

struct egress_bpf;

namespace ew {

enum class RecordMode { kPacket, kFlow };

// How records reach userspace: the BPF ring buffer (Linux 5.8+) or, on older
// kernels, a per-CPU perf buffer. kAuto picks the ring buffer when the kernel
// has one.
enum class Transport { kAuto, kRingBuffer, kPerfBuffer };

// The defaults are egresswatch's: an empty command line loads exactly these
// (WatchOptions holds one of these rather than copies of its fields).
struct ClassifierSettings {
  RecordMode mode = RecordMode::kFlow;
  Transport transport = Transport::kAuto;
  uint32_t ring_bytes = 4u << 20;    // see ring_size_problem()
  uint32_t flow_table_size = 65536;  // flow mode: entries of the LRU flow map
  uint32_t sample_every = 1;         // consider 1 in N public packets
  uint64_t rate_limit = 0;           // records per second, 0: unlimited
  // The bridge with --lan: frames leaving through lan_ifindex go from the
  // remote side to the local one, and conversations through either port are
  // keyed (and named) by uplink_ifindex. 0: a host (direction from the hook).
  uint32_t lan_ifindex = 0;
  uint32_t uplink_ifindex = 0;

  friend bool operator==(const ClassifierSettings&, const ClassifierSettings&) = default;
};

// A prefix-list change failed and so did putting the old lists back: what()
// says both. The classifier runs on with lists that may be a mix of the two.
class PrefixRollbackError : public Error {
 public:
  using Error::Error;
};

// The one line shown when loading fails with err (negative errno) on the
// running kernel; kernel_release (uname -r) names the kernel when it is older
// than the classifier needs.
std::string describe_load_error(int err);
std::string describe_load_error(int err, std::string_view kernel_release);

class Classifier {
 public:
  // Probes the kernel, opens, configures and loads. Throws ew::Error with a
  // line the user can act on (missing feature, privilege, verifier).
  static Classifier load(const ClassifierSettings& settings);

  Classifier(Classifier&&) noexcept;
  Classifier& operator=(Classifier&&) noexcept;
  ~Classifier();

  // The entry point for the transport in use.
  int program_fd() const;
  uint32_t program_id() const;
  Transport transport() const { return transport_; }
  // The ring buffer map, or the perf event array.
  int records_fd() const;
  int counters_fd() const;
  int flows_fd() const;

  // Fills the prefix tries. Throws ew::Error.
  void write_prefix_rules(const std::vector<PrefixRule>& rules);
  // Swaps the tries' contents from `old_rules` to `new_rules` while the
  // program runs: new entries first, then the removal of stale ones.
  void replace_prefix_rules(const std::vector<PrefixRule>& old_rules,
                            const std::vector<PrefixRule>& new_rules);

 private:
  struct Destroy {
    void operator()(egress_bpf* skel) const;
  };
  void install_rules(int v4, int v6, const std::vector<PrefixRule>& old_rules,
                     const std::vector<PrefixRule>& new_rules);

  Classifier(std::unique_ptr<egress_bpf, Destroy> skel, Transport transport)
      : skel_(std::move(skel)), transport_(transport) {}

  std::unique_ptr<egress_bpf, Destroy> skel_;
  Transport transport_;
};

}  // namespace ew
