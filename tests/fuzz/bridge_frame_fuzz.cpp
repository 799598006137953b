// Outside input: frames anyone on either side of egresswatch-bridge can send,
// with the receive metadata the kernel attaches (a VLAN tag it took out, the
// virtio-net header's offsets). Each input is one frame: the first 12 bytes
// are the metadata, the rest the frame. It goes through the forwarding
// policy, and when forwarded through a SendBatch into a datagram socket
// pair, whose bytes must be the frame with the tag put back.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bridge/forwarding_policy.h"
#include "bridge/frame_batch.h"

namespace {

struct Fixture {
  int sender = -1;
  int receiver = -1;
  ew::bridge::ForwardingPolicy policy{ew::bridge::PolicySettings{}};
  std::vector<uint8_t> slot = std::vector<uint8_t>(ew::bridge::kFrameSlotBytes);
  std::vector<uint8_t> wire = std::vector<uint8_t>(ew::bridge::kFrameSlotBytes + 16);
  Fixture() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds) != 0) abort();
    sender = fds[0];
    receiver = fds[1];
    // Room for the largest frame in one datagram.
    int size = 1 << 20;
    setsockopt(sender, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    setsockopt(receiver, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture f;
  constexpr size_t kMeta = 12;
  if (size < kMeta) return 0;
  const size_t length =
      std::min(size - kMeta, ew::bridge::kFrameSlotBytes - sizeof(ew::bridge::VnetHeader));
  ew::bridge::ReceivedFrame frame;
  frame.vnet = reinterpret_cast<ew::bridge::VnetHeader*>(f.slot.data());
  std::memcpy(frame.vnet, data, sizeof(ew::bridge::VnetHeader));
  frame.data = f.slot.data() + sizeof(ew::bridge::VnetHeader);
  std::memcpy(frame.data, data + kMeta, length);
  frame.length = length;
  frame.has_tag = (data[10] & 1) != 0;
  frame.tag = {0x81, 0x00, data[10], data[11]};
  const int in_port = data[10] >> 7;

  const auto decision = f.policy.decide(frame.data, frame.length, in_port, data[11]);
  if (decision == ew::bridge::Decision::kRunt) {
    if (length >= ew::bridge::kEthernetHeaderBytes) abort();
    return 0;
  }
  if (decision != ew::bridge::Decision::kForward) return 0;

  ew::bridge::SendBatch batch;
  batch.add(frame);
  if (batch.send(f.sender).sent != 1) abort();
  const ssize_t n = recv(f.receiver, f.wire.data(), f.wire.size(), MSG_DONTWAIT);
  const bool tagged = frame.has_tag && length >= ew::bridge::kMacPairBytes;
  const size_t expected = sizeof(ew::bridge::VnetHeader) + length + (tagged ? 4 : 0);
  if (n < 0 || static_cast<size_t>(n) != expected) abort();
  const uint8_t* out = f.wire.data() + sizeof(ew::bridge::VnetHeader);
  if (!tagged) return std::memcmp(out, frame.data, length) == 0 ? 0 : (abort(), 0);
  if (std::memcmp(out, frame.data, ew::bridge::kMacPairBytes) != 0 ||
      std::memcmp(out + ew::bridge::kMacPairBytes, frame.tag.data(), 4) != 0 ||
      std::memcmp(out + ew::bridge::kMacPairBytes + 4, frame.data + ew::bridge::kMacPairBytes,
                  length - ew::bridge::kMacPairBytes) != 0) {
    abort();
  }
  return 0;
}
