// How late a TPACKET_V3 receive ring hands frames to its reader: the
// measurement behind the bridge receiving with recvmmsg() instead
// (README.md, "How it moves frames"). For each frame: the reader's
// CLOCK_REALTIME when it finds the frame minus the frame's kernel timestamp.
//
//   egresswatch_bench_tpacket_v3_latency IFACE RETIRE_MS FRAMES
//
// Run it in a namespace whose IFACE receives a steady trickle (a ping every
// 10 ms, say); it prints the median, 90th and 99th percentile delay.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s IFACE RETIRE_MS FRAMES\n", argv[0]);
    return 2;
  }
  const unsigned ifindex = if_nametoindex(argv[1]);
  const unsigned retire_ms = static_cast<unsigned>(std::atoi(argv[2]));
  const size_t wanted = static_cast<size_t>(std::atol(argv[3]));
  if (ifindex == 0 || wanted == 0) {
    std::fprintf(stderr, "%s: no such interface, or no frames wanted\n", argv[1]);
    return 2;
  }
  const int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  int version = TPACKET_V3;
  tpacket_req3 req{};
  req.tp_block_size = 1 << 18;
  req.tp_block_nr = 8;
  req.tp_frame_size = 2048;
  req.tp_frame_nr = req.tp_block_size * req.tp_block_nr / req.tp_frame_size;
  req.tp_retire_blk_tov = retire_ms;
  if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0 ||
      setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0) {
    std::perror("packet socket with a TPACKET_V3 ring");
    return 1;
  }
  const size_t ring_bytes = size_t{req.tp_block_size} * req.tp_block_nr;
  void* mapped = mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (mapped == MAP_FAILED) {
    std::perror("mmap");
    return 1;
  }
  auto* ring = static_cast<uint8_t*>(mapped);
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    std::perror("bind");
    return 1;
  }

  std::vector<double> delays_us;
  unsigned block = 0;
  while (delays_us.size() < wanted) {
    auto* desc = reinterpret_cast<tpacket_block_desc*>(ring + size_t{block} * req.tp_block_size);
    if (!(desc->hdr.bh1.block_status & TP_STATUS_USER)) {
      pollfd p{fd, POLLIN, 0};
      poll(&p, 1, -1);
      continue;
    }
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    auto* frame = reinterpret_cast<uint8_t*>(desc) + desc->hdr.bh1.offset_to_first_pkt;
    for (unsigned i = 0; i < desc->hdr.bh1.num_pkts; i++) {
      const auto* header = reinterpret_cast<const tpacket3_hdr*>(frame);
      delays_us.push_back(static_cast<double>(now.tv_sec - header->tp_sec) * 1e6 +
                          (static_cast<double>(now.tv_nsec) - header->tp_nsec) / 1e3);
      frame += header->tp_next_offset;
    }
    desc->hdr.bh1.block_status = TP_STATUS_KERNEL;
    block = (block + 1) % req.tp_block_nr;
  }
  std::sort(delays_us.begin(), delays_us.end());
  const auto at = [&](double q) {
    return delays_us[static_cast<size_t>(q * static_cast<double>(delays_us.size() - 1))];
  };
  std::printf("retire %u ms, %zu frames: p50 %.0f us, p90 %.0f us, p99 %.0f us\n", retire_ms,
              delays_us.size(), at(0.5), at(0.9), at(0.99));
  return 0;
}
