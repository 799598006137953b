// Drives an attached tc program with BPF_PROG_TEST_RUN, so the consumer behind
// it (egresswatch's loader, or the BCC baseline's Python loop) gets records
// faster than a generator through the network stack can make them on a small
// machine. The program is the real one, found by id (`tc filter show` prints
// it); it runs on a crafted IPv4/UDP frame to DST, `batch` times per call,
// paced to a rate of packets per second or flat out (--rate 0).
//
//   egresswatch_bench_inject --prog-id ID --dst 192.0.2.2 [--rate PPS] [--duration S]
//                            [--flows N] [--batch N]
//
// With --flows N > 1 every call runs once on a frame with the next of N
// (source, destination) port pairs, so flow mode sees a new flow per packet
// (while N lasts). At exit it
// prints {"sent":...,"seconds":...,"pps":...}.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pacing.h"

namespace {

using ew::bench::now_ns;
using ew::bench::sleep_until;

// Ethernet + IPv4 + UDP with 18 bytes of payload: a 64-byte frame. The
// checksum is left zero: the classifier does not look at it.
std::vector<uint8_t> udp_frame(in_addr dst, uint16_t dport) {
  std::vector<uint8_t> f(64, 0);
  f[0] = 0x02;
  f[6] = 0x02;
  f[12] = ETH_P_IP >> 8;
  f[13] = ETH_P_IP & 0xff;
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  ip[3] = 50;  // total length
  ip[8] = 64;
  ip[9] = IPPROTO_UDP;
  ip[12] = 192;
  ip[13] = 0;
  ip[14] = 2;
  ip[15] = 1;
  std::memcpy(ip + 16, &dst, 4);
  uint8_t* udp = ip + 20;
  udp[0] = 0x9c;  // source port 40000
  udp[1] = 0x40;
  udp[2] = static_cast<uint8_t>(dport >> 8);
  udp[3] = static_cast<uint8_t>(dport);
  udp[5] = 26;  // length
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t prog_id = 0, flows = 1, batch = 256;
  double rate = 0, duration = 3;
  std::string dst_text;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    const char* v = argv[i + 1];
    if (arg == "--prog-id")
      prog_id = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (arg == "--dst")
      dst_text = v;
    else if (arg == "--rate")
      rate = std::atof(v);
    else if (arg == "--duration")
      duration = std::atof(v);
    else if (arg == "--flows")
      flows = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (arg == "--batch")
      batch = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else
      return std::fprintf(stderr, "inject: unknown option %s\n", arg.c_str()), 2;
  }
  in_addr dst{};
  if (prog_id == 0 || inet_pton(AF_INET, dst_text.c_str(), &dst) != 1 || flows == 0 || batch == 0) {
    std::fprintf(stderr,
                 "usage: inject --prog-id ID --dst IPV4 [--rate PPS] [--duration S] "
                 "[--flows N] [--batch N]\n");
    return 2;
  }
  int fd = bpf_prog_get_fd_by_id(prog_id);
  if (fd < 0) {
    std::fprintf(stderr, "inject: program %u: %s\n", prog_id, std::strerror(errno));
    return 1;
  }

  // Flow f has source port 1024 + f / 50000 and destination port
  // 10000 + f % 50000: written into the one frame before each call.
  std::vector<uint8_t> frame = udp_frame(dst, 10000);
  const int per_call = flows > 1 ? 1 : static_cast<int>(batch);

  uint64_t sent = 0;
  uint32_t next = 0;
  const int64_t start = now_ns();
  const int64_t end = start + static_cast<int64_t>(duration * 1e9);
  int64_t now = start;
  while (now < end) {
    if (flows > 1) {
      const auto sport = static_cast<uint16_t>(1024 + next / 50000);
      const auto dport = static_cast<uint16_t>(10000 + next % 50000);
      frame[34] = static_cast<uint8_t>(sport >> 8);
      frame[35] = static_cast<uint8_t>(sport);
      frame[36] = static_cast<uint8_t>(dport >> 8);
      frame[37] = static_cast<uint8_t>(dport);
      next = (next + 1) % flows;
    }
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                .data_size_in = static_cast<uint32_t>(frame.size()), .repeat = per_call);
    if (bpf_prog_test_run_opts(fd, &opts) != 0) {
      std::fprintf(stderr, "inject: test run: %s\n", std::strerror(errno));
      return 1;
    }
    sent += static_cast<uint64_t>(per_call);
    now = now_ns();
    if (rate > 0) {
      const int64_t due = start + static_cast<int64_t>(static_cast<double>(sent) * 1e9 / rate);
      if (due > now) {
        sleep_until(due < end ? due : end);
        now = now_ns();
      }
    }
  }
  const double seconds = static_cast<double>(now - start) / 1e9;
  std::printf("{\"sent\":%llu,\"seconds\":%.6f,\"pps\":%.0f}\n",
              static_cast<unsigned long long>(sent), seconds, static_cast<double>(sent) / seconds);
  close(fd);
  return 0;
}
