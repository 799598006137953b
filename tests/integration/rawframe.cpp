// ew_rawframe: writes and reads whole Ethernet frames on an interface, for
// the bridge's integration tests (no tcpdump, no python).
//
//   ew_rawframe send IFACE HEX [COUNT]   writes the frame HEX (as is, tags
//                                        included) COUNT times (default 1)
//   ew_rawframe recv IFACE SECONDS       prints every frame that arrives on
//                                        IFACE within SECONDS as one hex line
//
// recv puts back the outer VLAN tag the kernel took out of the frame on
// receive (PACKET_AUXDATA), so it prints the frame as it was on the wire. It
// says "ready" on stderr once bound: nothing arriving after that is missed.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
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

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "ew_rawframe: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: ew_rawframe send IFACE HEX [COUNT] | ew_rawframe recv IFACE SECONDS\n");
  std::exit(2);
}

std::vector<uint8_t> parse_hex(const std::string& text) {
  std::vector<uint8_t> bytes;
  std::string digits;
  for (char c : text) {
    if (c == ':' || c == ' ' || c == '.') continue;
    digits += c;
  }
  if (digits.size() % 2 != 0) usage();
  for (size_t i = 0; i < digits.size(); i += 2) {
    bytes.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

int open_socket(const char* name) {
  const unsigned ifindex = if_nametoindex(name);
  if (ifindex == 0) die(name);
  const int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) die("socket");
  const int one = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0) die("PACKET_AUXDATA");
  if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0) {
    die("PACKET_IGNORE_OUTGOING");
  }
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) die("bind");
  return fd;
}

int send_frames(const char* iface, const std::string& hex, int count) {
  const int fd = open_socket(iface);
  const std::vector<uint8_t> frame = parse_hex(hex);
  for (int i = 0; i < count; i++) {
    if (send(fd, frame.data(), frame.size(), 0) != static_cast<ssize_t>(frame.size())) {
      die("send");
    }
  }
  return 0;
}

double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int receive_frames(const char* iface, double seconds) {
  const int fd = open_socket(iface);
  std::fprintf(stderr, "ready\n");
  std::fflush(stderr);
  std::vector<uint8_t> buffer(65536 + 4);
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(tpacket_auxdata))];
  const double end = now_seconds() + seconds;
  for (;;) {
    const double left = end - now_seconds();
    if (left <= 0) return 0;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left * 1000) + 1) <= 0) continue;
    // Read after the first four bytes, so a tag can be put back in place.
    iovec iov{buffer.data() + 4, buffer.size() - 4};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof(control);
    const ssize_t n = recvmsg(fd, &m, MSG_TRUNC);
    if (n < 0) die("recvmsg");
    uint8_t* frame = buffer.data() + 4;
    size_t length = std::min(static_cast<size_t>(n), buffer.size() - 4);
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
      tpacket_auxdata aux;
      std::memcpy(&aux, CMSG_DATA(c), sizeof(aux));
      if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || length < 12) continue;
      const uint16_t tpid =
          (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : uint16_t{0x8100};
      std::memmove(buffer.data(), frame, 12);
      frame = buffer.data();
      frame[12] = static_cast<uint8_t>(tpid >> 8);
      frame[13] = static_cast<uint8_t>(tpid);
      frame[14] = static_cast<uint8_t>(aux.tp_vlan_tci >> 8);
      frame[15] = static_cast<uint8_t>(aux.tp_vlan_tci);
      length += 4;
    }
    std::string line;
    static const char kDigits[] = "0123456789abcdef";
    for (size_t i = 0; i < length; i++) {
      line += kDigits[frame[i] >> 4];
      line += kDigits[frame[i] & 15];
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) usage();
  const std::string mode = argv[1];
  if (mode == "send") return send_frames(argv[2], argv[3], argc > 4 ? std::atoi(argv[4]) : 1);
  if (mode == "recv") return receive_frames(argv[2], std::atof(argv[3]));
  usage();
}
