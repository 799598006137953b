// A small UDP traffic generator for the event benchmarks (bench/events.sh):
// sendmmsg() in batches from one thread, paced to a packet rate or flat out,
// cycling through a chosen number of flows (distinct source/destination port
// pairs to one destination host). Run it only inside a network namespace that
// has no link to the outside: it sends to whatever address it is given.
//
//   egresswatch_bench_udpgen --dst 192.0.2.2 [--rate PPS] [--duration S]
//                            [--flows N] [--size BYTES] [--batch N]
//
// --rate 0 (the default) sends flat out. At exit it prints one JSON line:
// {"sent":...,"errors":...,"seconds":...,"pps":...}.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
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

struct Options {
  std::string dst;
  double rate = 0;  // packets per second; 0: flat out
  double duration = 3;
  uint32_t flows = 1;
  uint32_t size = 18;  // UDP payload bytes: a 64-byte Ethernet frame for IPv4
  uint32_t batch = 64;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "udpgen: %s\nusage: udpgen --dst ADDR [--rate PPS] [--duration S] [--flows N] "
               "[--size BYTES] [--batch N]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + arg).c_str());
    const char* v = argv[++i];
    if (arg == "--dst") {
      o.dst = v;
    } else if (arg == "--rate") {
      o.rate = std::atof(v);
    } else if (arg == "--duration") {
      o.duration = std::atof(v);
    } else if (arg == "--flows") {
      o.flows = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    } else if (arg == "--size") {
      o.size = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    } else if (arg == "--batch") {
      o.batch = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    } else {
      usage(("unknown option " + arg).c_str());
    }
  }
  if (o.dst.empty()) usage("--dst is required");
  if (o.flows == 0 || o.batch == 0 || o.batch > 1024 || o.size > 1400)
    usage("bad --flows, --batch or --size");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);

  sockaddr_storage dst{};
  socklen_t dst_len = 0;
  int family = AF_INET;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&dst);
      inet_pton(AF_INET, o.dst.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    dst_len = sizeof(sockaddr_in);
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&dst);
             inet_pton(AF_INET6, o.dst.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    dst_len = sizeof(sockaddr_in6);
    family = AF_INET6;
  } else {
    usage("--dst is not an IP address");
  }

  // A flow is (socket, destination port): each socket has its own source
  // port and covers up to kPortsPerSocket destination ports.
  constexpr uint32_t kPortsPerSocket = 50000;
  constexpr uint16_t kFirstPort = 10000;
  const uint32_t ports = std::min(o.flows, kPortsPerSocket);
  const uint32_t n_sockets = (o.flows + ports - 1) / ports;
  std::vector<int> socks;
  for (uint32_t s = 0; s < n_sockets; s++) {
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      std::perror("udpgen: socket");
      return 1;
    }
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    socks.push_back(fd);
  }

  // One destination address per message of a batch; only the port differs.
  std::vector<sockaddr_storage> names(o.batch, dst);
  std::vector<char> payload(std::max<uint32_t>(o.size, 1), 'x');
  iovec iov{payload.data(), o.size};
  std::vector<mmsghdr> msgs(o.batch);
  for (uint32_t i = 0; i < o.batch; i++) {
    msgs[i] = {};
    msgs[i].msg_hdr.msg_name = &names[i];
    msgs[i].msg_hdr.msg_namelen = dst_len;
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  uint64_t sent = 0, errors = 0;
  uint32_t flow = 0;
  const int64_t start = now_ns();
  const int64_t end = start + static_cast<int64_t>(o.duration * 1e9);
  int64_t now = start;
  while (now < end) {
    // A batch stays on one socket; it ends early at the socket's last flow.
    const uint32_t sock = flow / ports;
    const uint32_t first_port = flow % ports;
    const uint32_t n = std::min(o.batch, ports - first_port);
    const uint32_t left = o.flows - flow;
    const uint32_t count = std::min(n, left);
    for (uint32_t i = 0; i < count; i++) {
      const auto port = htons(static_cast<uint16_t>(kFirstPort + first_port + i));
      if (family == AF_INET)
        reinterpret_cast<sockaddr_in*>(&names[i])->sin_port = port;
      else
        reinterpret_cast<sockaddr_in6*>(&names[i])->sin6_port = port;
    }
    int r = sendmmsg(socks[sock], msgs.data(), count, 0);
    if (r < 0) {
      errors++;
      if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED && errno != EINTR) {
        std::perror("udpgen: sendmmsg");
        return 1;
      }
    } else {
      sent += static_cast<uint64_t>(r);
    }
    flow = (flow + count) % o.flows;
    now = now_ns();
    if (o.rate > 0) {
      // Paced: the next batch is due when the packets sent so far are.
      const int64_t due = start + static_cast<int64_t>(static_cast<double>(sent) * 1e9 / o.rate);
      if (due > now) {
        sleep_until(std::min(due, end));
        now = now_ns();
      }
    }
  }
  const double seconds = static_cast<double>(now - start) / 1e9;
  std::printf("{\"sent\":%llu,\"errors\":%llu,\"seconds\":%.6f,\"pps\":%.0f}\n",
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(errors),
              seconds, static_cast<double>(sent) / seconds);
  for (int fd : socks)
    close(fd);
  return 0;
}
