// Micro-benchmark of the JSON Lines encoder's hot path (bench/README.md,
// section 2): one packet or flow line per iteration into a reused buffer,
// as RecordWriter drives it.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include "output/json_lines.h"

namespace {

ew_record make(int family, const char* src, const char* dst, uint8_t proto, uint8_t flags) {
  ew_record r;
  std::memset(&r, 0, sizeof(r));
  r.kind = EW_RECORD_PACKET;
  r.family = static_cast<uint8_t>(family);
  r.proto = proto;
  r.flags = flags;
  r.len = 1442;
  r.sport = 40000;
  r.dport = 443;
  inet_pton(family == 4 ? AF_INET : AF_INET6, src, r.src);
  inet_pton(family == 4 ? AF_INET : AF_INET6, dst, r.dst);
  return r;
}

void run_packets(benchmark::State& state, const ew_record& record) {
  std::string out;
  ew::JsonLineEncoder encoder(out);
  int64_t wall_ns = 1'700'000'000'123'456'789;
  for (auto _ : state) {
    encoder.packet(record, "veth0", wall_ns);
    wall_ns += 1'000;  // a new timestamp, the same second mostly
    if (out.size() > (256 << 10)) out.clear();
  }
  benchmark::DoNotOptimize(out.data());
}

void PacketUdp4(benchmark::State& state) {
  run_packets(state, make(4, "192.0.2.1", "192.0.2.2", IPPROTO_UDP, EW_FLAG_PORTS));
}
BENCHMARK(PacketUdp4);

void PacketTcp6(benchmark::State& state) {
  run_packets(state, make(6, "fd00::2", "2001:db8::53", IPPROTO_TCP, EW_FLAG_PORTS));
}
BENCHMARK(PacketTcp6);

void FlowNewUdp4(benchmark::State& state) {
  std::string out;
  ew::JsonLineEncoder encoder(out);
  ew::FlowEvent event;
  event.identity = make(4, "192.0.2.1", "192.0.2.2", IPPROTO_UDP, EW_FLAG_PORTS);
  event.iface = "veth0";
  event.wall_ns = event.first_wall_ns = event.last_wall_ns = 1'700'000'000'123'456'789;
  event.packets = event.total_packets = 1;
  event.bytes = event.total_bytes = 1442;
  for (auto _ : state) {
    encoder.flow(event);
    event.wall_ns += 1'000;
    if (out.size() > (256 << 10)) out.clear();
  }
  benchmark::DoNotOptimize(out.data());
}
BENCHMARK(FlowNewUdp4);

// What exit writes for each conversation: an end line with three different
// times (the line's, the first and the last packet's), TCP flags both ways
// and a Community ID.
void FlowEndTcp4(benchmark::State& state) {
  std::string out;
  ew::JsonLineEncoder encoder(out);
  ew::FlowEvent event;
  event.kind = ew::FlowEvent::Kind::kEnd;
  event.reason = "stopped";
  event.identity = make(4, "192.0.2.1", "192.0.2.2", IPPROTO_TCP, EW_FLAG_PORTS);
  event.iface = "veth0";
  event.wall_ns = 1'700'000'100'000'000'000;
  event.first_wall_ns = 1'700'000'000'123'456'789;
  event.last_wall_ns = event.first_wall_ns + 2'000'000'000;
  event.packets = event.total_packets = 12;
  event.bytes = event.total_bytes = 17'304;
  event.in_packets = event.total_in_packets = 10;
  event.in_bytes = event.total_in_bytes = 1'200;
  event.tcp_flags = 0x1b;
  event.in_tcp_flags = 0x13;
  event.community_id = "1:LQU9qZlK+B5F3KDmev6m5PMibrg=";
  for (auto _ : state) {
    encoder.flow(event);
    event.first_wall_ns += 1'000;
    event.last_wall_ns += 1'000;
    if (out.size() > (256 << 10)) out.clear();
  }
  benchmark::DoNotOptimize(out.data());
}
BENCHMARK(FlowEndTcp4);

}  // namespace

BENCHMARK_MAIN();
