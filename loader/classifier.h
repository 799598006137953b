// The loaded classifier: the bpftool skeleton of bpf/egress.bpf.c, owned
// here, configured through its read-only globals before load.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "prefix.h"

struct egress_bpf;

namespace ew {

enum class RecordMode { kPacket, kFlow };

struct ClassifierSettings {
  RecordMode mode = RecordMode::kPacket;
  uint32_t ring_bytes = 4u << 20;  // power of two, at least a page
};

// The one line shown when loading fails with err (negative errno).
std::string describe_load_error(int err);

class Classifier {
 public:
  // Probes the kernel, opens, configures and loads. Throws ew::Error with a
  // line the user can act on (missing feature, privilege, verifier).
  static Classifier load(const ClassifierSettings& settings);

  Classifier(Classifier&&) noexcept;
  Classifier& operator=(Classifier&&) noexcept;
  ~Classifier();

  int program_fd() const;
  uint32_t program_id() const;
  int records_fd() const;
  int counters_fd() const;

  // Fills the prefix tries. Throws ew::Error.
  void write_prefix_rules(const std::vector<PrefixRule>& rules);

 private:
  struct Destroy {
    void operator()(egress_bpf* skel) const;
  };
  explicit Classifier(std::unique_ptr<egress_bpf, Destroy> skel) : skel_(std::move(skel)) {}

  std::unique_ptr<egress_bpf, Destroy> skel_;
};

}  // namespace ew
