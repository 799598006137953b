// Drives the attached tc program faster than a generator through the network
// stack can on a small machine, so the consumer behind it (egresswatch's
// loader, or the BCC baseline's Python loop) gets records at a million a
// second and past. Two ways, both with the real program:
//
// - By id (`tc filter show` prints it) with BPF_PROG_TEST_RUN on a crafted
//   IPv4/UDP frame to DST, `batch` runs per call: the fastest way to send the
//   same flow again and again (packet mode, flow mode's long flows).
// - --socket IFACE: the frames go out of IFACE through an AF_PACKET socket
//   (sendmmsg, `batch` frames a call), so the egress hook runs on each as on
//   any packet leaving; the caller sets IFACE's peer down, so that veth drops
//   them right after the hook. The way to send a new flow per packet fast:
//   a test run takes one frame per call, a system call each (about 230,000
//   a second here), where one sendmmsg call carries 64 different frames.
// - By id with --flows 0: a test run of bench/new_flow_source.bpf.c, which
//   gives the frame the next ports and tail-calls the attached program, so
//   `batch` runs of one call are each a new conversation for it. The way to
//   a million new conversations a second and past from one CPU here; the
//   socket path tops out near 370,000.
//
//   egresswatch_bench_inject (--prog-id ID | --socket IFACE) --dst 192.0.2.2
//                            [--rate PPS] [--duration S] [--flows N] [--batch N]
//
// --flows N > 1 cycles through N (source, destination) port pairs, one per
// frame; --flows 0 never repeats one (up to 4.2 billion pairs), so flow mode
// sees a new flow per packet however long the run. At exit it prints
// {"sent":...,"seconds":...,"pps":...}.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "new_flow_source.skel.h"
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

// The n-th flow's ports. With a cycle (flows >= 1) n wraps at it; with none
// (flows 0) the pairs run through 64,512 source ports for each of 65,535
// destination ports before any comes again.
void set_ports(uint8_t* frame, uint64_t n, uint32_t flows) {
  if (flows > 0) n %= flows;
  const auto sport = static_cast<uint16_t>(1024 + n % 64512);
  const auto dport = static_cast<uint16_t>(1 + (n / 64512) % 65535);
  frame[34] = static_cast<uint8_t>(sport >> 8);
  frame[35] = static_cast<uint8_t>(sport);
  frame[36] = static_cast<uint8_t>(dport >> 8);
  frame[37] = static_cast<uint8_t>(dport);
}

// Sends through an AF_PACKET socket on ifindex, `batch` frames a call.
class SocketSender {
 public:
  SocketSender(int ifindex, const std::vector<uint8_t>& frame, uint32_t batch)
      : frames_(batch, frame), iov_(batch), msgs_(batch) {
    fd_ = socket(AF_PACKET, SOCK_RAW, 0);  // protocol 0: sends only, receives nothing
    if (fd_ < 0) return;
    addr_.sll_family = AF_PACKET;
    addr_.sll_ifindex = ifindex;
    addr_.sll_halen = ETH_ALEN;
    for (uint32_t i = 0; i < batch; i++) {
      iov_[i] = {frames_[i].data(), frames_[i].size()};
      msgs_[i].msg_hdr.msg_name = &addr_;
      msgs_[i].msg_hdr.msg_namelen = sizeof(addr_);
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
  }
  ~SocketSender() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  // Sends `count` frames, flows next, next + 1, ...; false on an error.
  bool send(uint64_t next, uint32_t flows, uint32_t count) {
    for (uint32_t i = 0; i < count; i++)
      set_ports(frames_[i].data(), next + i, flows);
    uint32_t done = 0;
    while (done < count) {
      int n = sendmmsg(fd_, msgs_.data() + done, count - done, 0);
      if (n < 0) {
        if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) continue;
        return false;
      }
      done += static_cast<uint32_t>(n);
    }
    return true;
  }

 private:
  int fd_ = -1;
  sockaddr_ll addr_{};
  std::vector<std::vector<uint8_t>> frames_;
  std::vector<iovec> iov_;
  std::vector<mmsghdr> msgs_;
};

}  // namespace

int main(int argc, char** argv) {
  uint32_t prog_id = 0, flows = 1, batch = 0;
  double rate = 0, duration = 3;
  std::string dst_text, socket_iface;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    const char* v = argv[i + 1];
    if (arg == "--prog-id")
      prog_id = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (arg == "--socket")
      socket_iface = v;
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
  const bool by_socket = !socket_iface.empty();
  if ((prog_id == 0) == !by_socket || inet_pton(AF_INET, dst_text.c_str(), &dst) != 1) {
    std::fprintf(stderr,
                 "usage: inject (--prog-id ID | --socket IFACE) --dst IPV4 [--rate PPS] "
                 "[--duration S] [--flows N] [--batch N]\n");
    return 2;
  }
  if (batch == 0) batch = by_socket ? 64 : 256;
  std::vector<uint8_t> frame = udp_frame(dst, 10000);

  int fd = -1;
  std::unique_ptr<SocketSender> sender;
  if (by_socket) {
    const unsigned ifindex = if_nametoindex(socket_iface.c_str());
    if (ifindex == 0) {
      std::fprintf(stderr, "inject: %s: %s\n", socket_iface.c_str(), std::strerror(errno));
      return 1;
    }
    sender = std::make_unique<SocketSender>(static_cast<int>(ifindex), frame, batch);
    if (!sender->ok()) {
      std::fprintf(stderr, "inject: AF_PACKET socket: %s\n", std::strerror(errno));
      return 1;
    }
  } else {
    fd = bpf_prog_get_fd_by_id(prog_id);
    if (fd < 0) {
      std::fprintf(stderr, "inject: program %u: %s\n", prog_id, std::strerror(errno));
      return 1;
    }
  }
  // A new conversation per run: through the wrapper, into the program by id.
  const bool by_wrapper = !by_socket && flows == 0;
  new_flow_source_bpf* wrapper = nullptr;
  if (by_wrapper) {
    wrapper = new_flow_source_bpf__open_and_load();
    const uint32_t slot = 0;
    if (!wrapper ||
        bpf_map_update_elem(bpf_map__fd(wrapper->maps.classifier), &slot, &fd, BPF_ANY) != 0) {
      std::fprintf(stderr, "inject: the new-flow wrapper: %s\n", std::strerror(errno));
      return 1;
    }
    wrapper->bss->next_flow = 0;
  }
  const int run_fd = by_wrapper ? bpf_program__fd(wrapper->progs.new_flow_source) : fd;

  // A test run repeats one frame: with a flow per frame, one call each.
  const uint32_t per_call = by_socket || by_wrapper || flows == 1 ? batch : 1;
  uint64_t sent = 0;
  const int64_t start = now_ns();
  const int64_t end = start + static_cast<int64_t>(duration * 1e9);
  int64_t now = start;
  while (now < end) {
    if (by_socket) {
      if (!sender->send(sent, flows, per_call)) {
        std::fprintf(stderr, "inject: sendmmsg: %s\n", std::strerror(errno));
        return 1;
      }
    } else {
      if (flows != 1 && !by_wrapper) set_ports(frame.data(), sent, flows);
      LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                  .data_size_in = static_cast<uint32_t>(frame.size()),
                  .repeat = static_cast<int>(per_call));
      if (bpf_prog_test_run_opts(run_fd, &opts) != 0) {
        std::fprintf(stderr, "inject: test run: %s\n", std::strerror(errno));
        return 1;
      }
      // The wrapper drops what its tail call did not reach.
      if (by_wrapper && opts.retval == TC_ACT_SHOT) {
        std::fprintf(stderr, "inject: the wrapper's tail call into program %u failed\n", prog_id);
        return 1;
      }
    }
    sent += per_call;
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
  new_flow_source_bpf__destroy(wrapper);
  if (fd >= 0) close(fd);
  return 0;
}
