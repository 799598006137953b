// A second, plain C++ implementation of what the classifier does with one
// frame in packet mode, written from the documented rules (README "Output"
// and "stats" tables, the comments of egresswatch_abi.h, the fixture tables
// of the BPF tests) rather than from bpf/parse.h: which counters move,
// whether a record goes out and every field of it. reference_compare_test
// runs it beside the real program on random and mutated frames.
//
// Modelled: Ethernet, up to two 802.1Q/802.1ad tags in the frame, IPv4 (with
// options, total length, fragments), IPv6 (the extension-header walk and its
// limit, payload length, fragments), the transport fields, the verdict as the
// longest matching prefix over the same PrefixRule list the loader writes,
// and the memory of first-fragment ports the later fragments take.
// Not modelled: flow mode, --sample, --rate-limit, a full ring buffer, a tag
// taken out of the frame by the kernel (BPF_PROG_TEST_RUN cannot set one),
// GSO, the timestamp.
//
// Where the documents are silent the reference takes the program's reading,
// each said where it is applied: an IP length of 0 means "unknown" (the
// frame's end bounds the packet); ICMP fields are read for protocol 1 and 58
// in either family; a cut or too long IPv6 extension chain gives a record
// marked L4_SHORT whose proto is the header where the walk stopped; a later
// IPv6 fragment not remembered reports the fragment header's next header.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "classifier/counters.h"
#include "egresswatch_abi.h"
#include "prefixes/prefix.h"

namespace ew::test {

// What one frame does: how the counters move and the record, if any (its
// ts_ns is left 0: only the kernel knows it).
struct ReferenceOutcome {
  Counters counters;
  std::optional<ew_record> record;
};

// The datagram a fragment belongs to, as the classifier names it: RFC 791
// names an IPv4 datagram by addresses, protocol and identification, RFC 8200
// an IPv6 one by addresses and identification alone.
struct DatagramName {
  uint8_t family = 0;
  uint8_t proto = 0;  // IPv4 only; 0 for IPv6
  uint32_t id = 0;
  std::array<uint8_t, 16> src{};
  std::array<uint8_t, 16> dst{};

  auto operator<=>(const DatagramName&) const = default;
};

// What a first fragment leaves for the later ones.
struct FirstFragmentPorts {
  uint8_t proto = 0;
  uint16_t sport = 0;
  uint16_t dport = 0;

  bool operator==(const FirstFragmentPorts&) const = default;
};

class ReferenceClassifier {
 public:
  explicit ReferenceClassifier(std::vector<PrefixRule> rules);

  // Classifies `frame` leaving through `ifindex`, updating the fragment
  // memory as the program would.
  ReferenceOutcome classify(std::span<const uint8_t> frame, uint32_t ifindex);

  // True when `dst` (4 or 16 bytes, network order) is public: the longest
  // rule containing it says include, or no rule contains it.
  bool is_public(int family, std::span<const uint8_t> dst) const;

  const std::map<DatagramName, FirstFragmentPorts>& fragment_memory() const { return fragments_; }

 private:
  std::vector<PrefixRule> rules_;
  std::map<DatagramName, FirstFragmentPorts> fragments_;
};

}  // namespace ew::test
