#include "bridge/frame_batch.h"

#include <linux/if_packet.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

namespace ew::bridge {
namespace {

constexpr size_t kVnetBytes = sizeof(VnetHeader);
constexpr size_t kControlWords = (CMSG_SPACE(sizeof(tpacket_auxdata)) + 7) / 8;
// How long a full socket send buffer is waited for before frames are
// dropped: long enough for a busy link to drain, short enough to keep the
// other direction and Ctrl-C responsive.
constexpr int kSendWaitMs = 20;

void read_tag(const msghdr& message, ReceivedFrame& frame) {
  frame.has_tag = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&message), c)) {
    if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
    tpacket_auxdata aux;
    std::memcpy(&aux, CMSG_DATA(c), sizeof(aux));
    if (!(aux.tp_status & TP_STATUS_VLAN_VALID)) return;
    // Without TPID_VALID (kernels before 3.14) the tag was 802.1Q.
    const uint16_t tpid =
        (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : uint16_t{0x8100};
    frame.tag = {static_cast<uint8_t>(tpid >> 8), static_cast<uint8_t>(tpid),
                 static_cast<uint8_t>(aux.tp_vlan_tci >> 8), static_cast<uint8_t>(aux.tp_vlan_tci)};
    frame.has_tag = true;
    return;
  }
}

}  // namespace

ReceiveBatch::ReceiveBatch()
    : slots_(new uint8_t[kFrameSlotBytes * kBatchFrames]),
      messages_(kBatchFrames),
      iovecs_(kBatchFrames),
      control_(kControlWords * kBatchFrames),
      frames_(kBatchFrames) {}

int ReceiveBatch::receive(int fd) {
  for (size_t i = 0; i < kBatchFrames; i++) {
    iovecs_[i] = iovec{slots_.get() + i * kFrameSlotBytes, kFrameSlotBytes};
    msghdr& m = messages_[i].msg_hdr;
    m = msghdr{};
    m.msg_iov = &iovecs_[i];
    m.msg_iovlen = 1;
    m.msg_control = &control_[i * kControlWords];
    m.msg_controllen = kControlWords * 8;
  }
  int n = recvmmsg(fd, messages_.data(), kBatchFrames, MSG_DONTWAIT, nullptr);
  if (n < 0) return errno == EAGAIN ? 0 : -errno;
  for (int i = 0; i < n; i++) {
    const msghdr& m = messages_[i].msg_hdr;
    uint8_t* slot = slots_.get() + static_cast<size_t>(i) * kFrameSlotBytes;
    ReceivedFrame& f = frames_[i];
    f.vnet = reinterpret_cast<VnetHeader*>(slot);
    f.data = slot + kVnetBytes;
    const size_t got = messages_[i].msg_len;
    f.length = got > kVnetBytes ? got - kVnetBytes : 0;
    f.truncated = (m.msg_flags & MSG_TRUNC) != 0;
    read_tag(m, f);
  }
  return n;
}

SendBatch::SendBatch()
    : messages_(kBatchFrames), iovecs_(kBatchFrames * kIovecsPerFrame), tags_(kBatchFrames) {}

void SendBatch::add(const ReceivedFrame& frame) {
  iovec* iov = &iovecs_[count_ * kIovecsPerFrame];
  uint8_t* header = reinterpret_cast<uint8_t*>(frame.vnet);
  size_t parts = 1;
  if (frame.has_tag && frame.length >= kMacPairBytes) {
    // The offsets in the virtio-net header count from the frame's start, as
    // the kernel gave it: without the tag.
    if (frame.vnet->flags & kVnetNeedsChecksum) {
      frame.vnet->csum_start = static_cast<uint16_t>(frame.vnet->csum_start + kVlanTagBytes);
    }
    if (frame.vnet->hdr_len) {
      frame.vnet->hdr_len = static_cast<uint16_t>(frame.vnet->hdr_len + kVlanTagBytes);
    }
    tags_[count_] = frame.tag;
    iov[0] = iovec{header, kVnetBytes + kMacPairBytes};
    iov[1] = iovec{tags_[count_].data(), kVlanTagBytes};
    iov[2] = iovec{frame.data + kMacPairBytes, frame.length - kMacPairBytes};
    parts = 3;
  } else {
    iov[0] = iovec{header, kVnetBytes + frame.length};
  }
  msghdr& m = messages_[count_].msg_hdr;
  m = msghdr{};
  m.msg_iov = iov;
  m.msg_iovlen = parts;
  count_++;
}

SendResult SendBatch::send(int fd) {
  SendResult result;
  size_t next = 0;
  bool waited = false;
  while (next < count_) {
    int n = sendmmsg(fd, &messages_[next], static_cast<unsigned>(count_ - next), MSG_DONTWAIT);
    if (n > 0) {
      result.sent += static_cast<size_t>(n);
      next += static_cast<size_t>(n);
      waited = false;
      continue;
    }
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == ENOBUFS) && !waited) {
      // The send buffer (or the device queue) is full: wait once for room.
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, kSendWaitMs);
      waited = true;
      continue;
    }
    // The frame at `next` is refused: count it and go on with the others.
    result.last_error = errno;
    result.failed++;
    next++;
    waited = false;
  }
  count_ = 0;
  return result;
}

}  // namespace ew::bridge
