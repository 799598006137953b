// What a table entry expects from one run of the classifier, and the one
// check every table uses, so each run is held to all of it: the return value,
// the untouched frame, the record field by field, and the counters.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "classifier_harness.h"
#include "egresswatch_abi.h"
#include "frame_builder.h"

namespace ew::test {

// The fields of the record a frame should produce; the family comes from
// `dst`. The rest (len, ifindex, timestamp; TCP's flags byte, see check_record) the check derives
// from the run.
struct ExpectedRecord {
  uint8_t proto = 0;
  uint8_t flags = 0;  // enum ew_record_flag
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  Address src;
  Address dst;
  uint16_t vlan = 0;        // outer VID, with EW_FLAG_VLAN in flags
  uint16_t vlan_inner = 0;  // inner VID, with EW_FLAG_VLAN_INNER in flags
  uint8_t kind = EW_RECORD_PACKET;
  uint8_t initiator = EW_INITIATOR_UNKNOWN;  // flow records: enum ew_initiator
};

// Which counter one run should move (besides `seen`, which every run moves).
enum class Outcome {
  kRecord,    // public destination: matched, one record
  kPrivate,   // excluded destination: nothing but seen
  kUnparsed,  // an IP frame the classifier cannot read: unparsed
  kNonIp,     // not IPv4/IPv6: non_ip
};

struct Expected {
  Outcome outcome = Outcome::kPrivate;
  std::optional<ExpectedRecord> record;  // set exactly when kRecord
};

inline Expected record(const ExpectedRecord& r) {
  return {Outcome::kRecord, r};
}
inline Expected no_record() {
  return {Outcome::kPrivate, std::nullopt};
}
inline Expected unparsed() {
  return {Outcome::kUnparsed, std::nullopt};
}
inline Expected non_ip() {
  return {Outcome::kNonIp, std::nullopt};
}

std::ostream& operator<<(std::ostream& os, Outcome outcome);

// "PORTS|VLAN": ew_record.flags by name, for failure messages.
std::string describe_flags(uint8_t flags);

// Checks one run (repeat = 1) of `frame` through ifindex `ifindex` against
// `expected`, with gtest EXPECTs: the return value, the untouched frame, the
// counters (flows_created moves only for an expected EW_RECORD_FLOW_NEW;
// sampled_out and rate_limited never) and the record. Call it under a
// SCOPED_TRACE naming the case.
void check_run(const RunResult& run, const Bytes& frame, uint32_t ifindex,
               const Expected& expected);

}  // namespace ew::test
