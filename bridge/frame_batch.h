// Frames moved in batches: up to kBatchFrames received with one recvmmsg()
// into buffers allocated once, then sent on with one sendmmsg() whose iovecs
// point into those same buffers. Nothing is allocated or copied per frame in
// userspace; the kernel copies each frame once in and once out.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ew::bridge {

// struct virtio_net_hdr from <linux/virtio_net.h>, which C++ cannot include
// (a member there is called `class`). In host byte order: PACKET_VNET_HDR
// uses the legacy virtio layout, little-endian on little-endian machines.
struct VnetHeader {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
};
static_assert(sizeof(VnetHeader) == 10);
inline constexpr uint8_t kVnetNeedsChecksum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM

// Room for a 64 KiB GSO frame, its virtio-net header, and a VLAN tag put back.
inline constexpr size_t kFrameSlotBytes = 65536 + 256;
inline constexpr size_t kBatchFrames = 64;
inline constexpr size_t kEthernetHeaderBytes = 14;
inline constexpr size_t kMacPairBytes = 12;  // destination and source addresses
inline constexpr size_t kVlanTagBytes = 4;

struct ReceivedFrame {
  VnetHeader* vnet = nullptr;  // the kernel's offload state for the frame
  uint8_t* data = nullptr;     // the Ethernet frame as the socket gave it
  size_t length = 0;
  bool truncated = false;  // larger than the slot: cut short, must not be sent
  // The outer VLAN tag the kernel took out of the frame on receive, in wire
  // order (TPID, TCI), to put back on transmit.
  bool has_tag = false;
  std::array<uint8_t, kVlanTagBytes> tag{};
};

class ReceiveBatch {
 public:
  ReceiveBatch();
  ReceiveBatch(const ReceiveBatch&) = delete;
  ReceiveBatch& operator=(const ReceiveBatch&) = delete;

  // Reads up to kBatchFrames frames without waiting. Returns how many, 0 when
  // none is queued, or -errno.
  int receive(int fd);
  const ReceivedFrame& operator[](size_t i) const { return frames_[i]; }

 private:
  std::unique_ptr<uint8_t[]> slots_;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<uint64_t> control_;  // 8-byte aligned room for each frame's cmsg
  std::vector<ReceivedFrame> frames_;
};

struct SendResult {
  size_t sent = 0;
  size_t failed = 0;
  int last_error = 0;  // errno of the last frame the kernel refused
};

class SendBatch {
 public:
  SendBatch();
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;

  // Queues `frame` (its buffer must stay untouched until send()), putting its
  // VLAN tag back after the MAC addresses when the kernel had taken it out.
  void add(const ReceivedFrame& frame);
  size_t pending() const { return count_; }
  // Sends everything queued and empties the batch. A frame the kernel
  // refuses (too large for the MTU, queue full, interface down) is counted
  // and skipped; a full socket buffer is waited for briefly, then the rest
  // counts as failed.
  SendResult send(int fd);

 private:
  static constexpr size_t kIovecsPerFrame = 3;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<std::array<uint8_t, kVlanTagBytes>> tags_;
  size_t count_ = 0;
};

}  // namespace ew::bridge
