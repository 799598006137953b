// Classifier cost per packet, measured with BPF_PROG_TEST_RUN (the kernel
// runs the program `repeat` times on the frame and reports the mean), beside
// an empty tc program in the same run, on the egress hook and (rows "in: ")
// the ingress hook. Prints a table and the ratios.
//
//   sudo build/bench/egresswatch_bench_classifier [--repeat N] [--rounds R]
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <net/if.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "classifier/classifier.h"
#include "core/error.h"
#include "empty.skel.h"
#include "prefixes/prefix_rules.h"
#include "records/ring_buffer_source.h"

namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

Bytes ethernet(uint16_t ethertype, const Bytes& payload) {
  Bytes frame(14, 0);
  frame[0] = 0x02;
  frame[6] = 0x02;
  frame[11] = 1;
  put16(frame, 12, ethertype);
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

Bytes vlan_tagged(uint16_t vid, const Bytes& inner_frame) {
  Bytes frame(inner_frame.begin(), inner_frame.begin() + 12);
  Bytes tag(4);
  put16(tag, 0, ETH_P_8021Q);
  put16(tag, 2, vid);
  frame.insert(frame.end(), tag.begin(), tag.end());
  frame.insert(frame.end(), inner_frame.begin() + 12, inner_frame.end());
  return frame;
}

Bytes ipv4_tcp(const char* src, const char* dst) {
  Bytes ip(20 + 20, 0);
  ip[0] = 0x45;
  put16(ip, 2, static_cast<uint16_t>(ip.size()));
  ip[8] = 64;
  ip[9] = IPPROTO_TCP;
  inet_pton(AF_INET, src, &ip[12]);
  inet_pton(AF_INET, dst, &ip[16]);
  put16(ip, 20, 40000);
  put16(ip, 22, 443);
  ip[32] = 0x50;
  return ethernet(ETH_P_IP, ip);
}

Bytes ipv6_tcp(const char* src, const char* dst) {
  Bytes ip(40 + 20, 0);
  ip[0] = 0x60;
  put16(ip, 4, 20);
  ip[6] = IPPROTO_TCP;
  ip[7] = 64;
  inet_pton(AF_INET6, src, &ip[8]);
  inet_pton(AF_INET6, dst, &ip[24]);
  put16(ip, 40, 40000);
  put16(ip, 42, 443);
  ip[52] = 0x50;
  return ethernet(ETH_P_IPV6, ip);
}

Bytes arp_request() {
  Bytes arp(28, 0);
  put16(arp, 0, 1);
  put16(arp, 2, ETH_P_IP);
  arp[4] = 6;
  arp[5] = 4;
  put16(arp, 6, 1);
  return ethernet(ETH_P_ARP, arp);
}

// Mean ns per run of prog_fd on frame, the best of `rounds` runs of `repeat`.
// ingress: as the ingress hook runs it (the skb's input device is the one the
// program runs on).
double cost_ns(int prog_fd, const Bytes& frame, uint32_t repeat, int rounds, bool ingress) {
  double best = 1e18;
  for (int r = 0; r < rounds; r++) {
    __sk_buff ctx{};
    ctx.ifindex = 1;
    ctx.ingress_ifindex = ingress ? 1 : 0;
    Bytes out(frame.size() + 256);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = static_cast<uint32_t>(frame.size()),
                .data_size_out = static_cast<uint32_t>(out.size()), .ctx_in = &ctx,
                .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(repeat));
    if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
      throw ew::Error(std::string("BPF_PROG_TEST_RUN: ") + std::strerror(errno));
    }
    best = std::min(best, static_cast<double>(opts.duration));
  }
  return best;
}

struct DrainAll : ew::RecordSink {
  void on_record(const ew_record&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  uint32_t repeat = 1'000'000;
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--repeat") == 0)
      repeat = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::stoi(argv[i + 1]);
  }
  try {
    // The benchmark's public host is a documentation address, included.
    ew::PrefixOptions prefixes;
    prefixes.includes = {ew::Prefix::parse("198.51.100.0/24"), ew::Prefix::parse("2001:db8::/32")};
    const auto rules = ew::build_prefix_rules(prefixes);

    struct Mode {
      const char* name;
      ew::RecordMode mode;
    };
    std::unique_ptr<empty_bpf, decltype(&empty_bpf::destroy)> empty(empty_bpf::open_and_load(),
                                                                    &empty_bpf::destroy);
    if (!empty) throw ew::Error("loading the empty program failed");
    const int empty_fd = bpf_program__fd(empty->progs.empty_egress);

    struct Frame {
      const char* name;
      Bytes bytes;
      bool ingress = false;
    };
    // The ingress rows are the replies of the egress ones: the public end is
    // the source, and in flow mode they count in the same conversation.
    const std::vector<Frame> frames = {
        {"private IPv4 (10.0.0.1)", ipv4_tcp("10.0.0.2", "10.0.0.1")},
        {"public IPv4", ipv4_tcp("10.0.0.2", "198.51.100.7")},
        {"public IPv6", ipv6_tcp("fd00::2", "2001:db8::7")},
        {"VLAN 100, public IPv4", vlan_tagged(100, ipv4_tcp("10.0.0.2", "198.51.100.7"))},
        {"ARP", arp_request()},
        {"in: private IPv4", ipv4_tcp("10.0.0.1", "10.0.0.2"), true},
        {"in: public IPv4", ipv4_tcp("198.51.100.7", "10.0.0.2"), true},
        {"in: public IPv6", ipv6_tcp("2001:db8::7", "fd00::2"), true},
    };

    std::printf("Classifier cost per packet, BPF_PROG_TEST_RUN, best of %d x %u runs\n", rounds,
                repeat);
    std::printf("%-26s %-8s %10s %10s %7s\n", "frame", "mode", "ns/pkt", "empty ns", "ratio");
    for (Mode mode :
         {Mode{"flow", ew::RecordMode::kFlow}, Mode{"packet", ew::RecordMode::kPacket}}) {
      ew::ClassifierSettings settings;
      settings.mode = mode.mode;
      settings.ring_bytes = 64u << 20;
      ew::Classifier classifier = ew::Classifier::load(settings);
      classifier.write_prefix_rules(rules);
      // In packet mode every public run sends a record: a reader drains the
      // ring alongside, as the loader would, so runs do not just hit "full".
      DrainAll sink;
      ew::RingBufferSource ring(classifier.records_fd(), sink);
      std::atomic<bool> done{false};
      std::thread reader([&] {
        while (!done)
          ring.drain();
      });
      for (const auto& frame : frames) {
        const double empty_ns = cost_ns(empty_fd, frame.bytes, repeat, rounds, frame.ingress);
        const double ns =
            cost_ns(classifier.program_fd(), frame.bytes, repeat, rounds, frame.ingress);
        std::printf("%-26s %-8s %10.1f %10.1f %7.2f\n", frame.name, mode.name, ns, empty_ns,
                    ns / empty_ns);
      }
      done = true;
      reader.join();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "egresswatch_bench_classifier: %s\n", e.what());
    return 1;
  }
  return 0;
}
