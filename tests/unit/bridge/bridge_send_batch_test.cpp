// SendBatch builds each frame from iovecs into the receive buffer; a unix
// datagram socket pair shows the exact bytes sendmmsg() puts on the wire,
// without privileges.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <vector>

#include "bridge/frame_batch.h"
#include "core/unique_fd.h"

namespace ew::bridge {
namespace {

struct SocketPair {
  UniqueFd sender;
  UniqueFd receiver;
  SocketPair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds), 0);
    sender = UniqueFd(fds[0]);
    receiver = UniqueFd(fds[1]);
  }
  std::vector<uint8_t> next() {
    std::vector<uint8_t> buffer(kFrameSlotBytes);
    ssize_t n = recv(receiver.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    buffer.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return buffer;
  }
};

// A received slot: virtio-net header, then the frame.
struct Slot {
  std::array<uint8_t, 10 + 64> bytes{};
  ReceivedFrame frame() {
    ReceivedFrame f;
    f.vnet = reinterpret_cast<VnetHeader*>(bytes.data());
    f.data = bytes.data() + sizeof(VnetHeader);
    f.length = 64;
    for (size_t i = 0; i < 64; i++)
      f.data[i] = static_cast<uint8_t>(i);
    return f;
  }
};

TEST(SendBatch, UntaggedFrameGoesOutAsReceived) {
  SocketPair pair;
  Slot slot;
  ReceivedFrame f = slot.frame();
  f.vnet->flags = kVnetNeedsChecksum;
  f.vnet->csum_start = 34;
  SendBatch batch;
  batch.add(f);
  const SendResult result = batch.send(pair.sender.get());
  EXPECT_EQ(result.sent, 1u);
  EXPECT_EQ(result.failed, 0u);
  EXPECT_EQ(batch.pending(), 0u);
  const auto wire = pair.next();
  ASSERT_EQ(wire.size(), 10u + 64u);
  EXPECT_EQ(std::memcmp(wire.data(), slot.bytes.data(), wire.size()), 0);
}

TEST(SendBatch, StrippedTagIsPutBackAfterTheAddressesAndOffsetsMove) {
  SocketPair pair;
  Slot slot;
  ReceivedFrame f = slot.frame();
  f.vnet->flags = kVnetNeedsChecksum;
  f.vnet->csum_start = 34;
  f.vnet->csum_offset = 16;
  f.vnet->hdr_len = 54;
  f.has_tag = true;
  f.tag = {0x88, 0xa8, 0x20, 0x64};  // 802.1ad, PCP 1, VID 100
  SendBatch batch;
  batch.add(f);
  ASSERT_EQ(batch.send(pair.sender.get()).sent, 1u);
  const auto wire = pair.next();
  ASSERT_EQ(wire.size(), 10u + 64u + 4u);
  VnetHeader header;
  std::memcpy(&header, wire.data(), sizeof(header));
  EXPECT_EQ(header.csum_start, 38);
  EXPECT_EQ(header.csum_offset, 16);
  EXPECT_EQ(header.hdr_len, 58);
  const uint8_t* frame = wire.data() + 10;
  for (size_t i = 0; i < 12; i++)
    EXPECT_EQ(frame[i], i) << i;
  EXPECT_EQ(frame[12], 0x88);
  EXPECT_EQ(frame[13], 0xa8);
  EXPECT_EQ(frame[14], 0x20);
  EXPECT_EQ(frame[15], 0x64);
  for (size_t i = 12; i < 64; i++)
    EXPECT_EQ(frame[i + 4], i) << i;
}

TEST(SendBatch, WithoutChecksumOffloadOnlyTheFrameChanges) {
  SocketPair pair;
  Slot slot;
  ReceivedFrame f = slot.frame();
  f.has_tag = true;
  f.tag = {0x81, 0x00, 0x00, 0x0a};
  SendBatch batch;
  batch.add(f);
  ASSERT_EQ(batch.send(pair.sender.get()).sent, 1u);
  const auto wire = pair.next();
  ASSERT_EQ(wire.size(), 10u + 68u);
  VnetHeader header;
  std::memcpy(&header, wire.data(), sizeof(header));
  EXPECT_EQ(header.csum_start, 0);
  EXPECT_EQ(header.hdr_len, 0);
}

TEST(SendBatch, ManyFramesInOneCallAndRefusedOnesAreCounted) {
  SocketPair pair;
  std::vector<Slot> slots(kBatchFrames);
  SendBatch batch;
  for (auto& slot : slots)
    batch.add(slot.frame());
  EXPECT_EQ(batch.pending(), kBatchFrames);
  EXPECT_EQ(batch.send(pair.sender.get()).sent, kBatchFrames);
  for (size_t i = 0; i < kBatchFrames; i++)
    EXPECT_EQ(pair.next().size(), 74u) << i;

  // The reader gone: every frame is refused, counted, and the batch emptied.
  pair.receiver.reset();
  for (auto& slot : slots)
    batch.add(slot.frame());
  const SendResult refused = batch.send(pair.sender.get());
  EXPECT_EQ(refused.sent, 0u);
  EXPECT_EQ(refused.failed, kBatchFrames);
  EXPECT_NE(refused.last_error, 0);
  EXPECT_EQ(batch.pending(), 0u);
}

}  // namespace
}  // namespace ew::bridge
