// Reading whole datagrams from the kernel: NetlinkSocket's reply loop
// (read_datagram) and LinkMonitor's (read_link_removals), on crafted bytes.
#include <linux/netlink.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "net/link_monitor.h"
#include "netlink/socket.h"
#include "netlink/tc_messages.h"

namespace ew::netlink {
namespace {

constexpr uint32_t kSeq = 7;
constexpr uint32_t kPort = 4242;

// Appends one message of `type` with `payload` and returns its offset.
size_t append(std::vector<char>& datagram, uint16_t type, const void* payload, size_t len,
              uint32_t seq = kSeq) {
  const size_t at = datagram.size();
  nlmsghdr nlh{};
  nlh.nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(len));
  nlh.nlmsg_type = type;
  nlh.nlmsg_flags = NLM_F_MULTI;
  nlh.nlmsg_seq = seq;
  nlh.nlmsg_pid = kPort;
  datagram.resize(at + NLMSG_SPACE(len));
  std::memcpy(datagram.data() + at, &nlh, sizeof(nlh));
  if (len) std::memcpy(datagram.data() + at + NLMSG_HDRLEN, payload, len);
  return at;
}

void set_length(std::vector<char>& datagram, size_t at, uint32_t len) {
  std::memcpy(datagram.data() + at + offsetof(nlmsghdr, nlmsg_len), &len, sizeof(len));
}

std::vector<uint16_t> types_read(const std::vector<char>& datagram, std::optional<Reply>* reply) {
  std::vector<uint16_t> types;
  *reply = read_datagram(datagram, kSeq, kPort, NLM_F_REQUEST | NLM_F_DUMP,
                         [&](const nlmsghdr* nlh) { types.push_back(nlh->nlmsg_type); });
  return types;
}

TEST(ReadDatagram, DumpMessagesThenDone) {
  std::vector<char> datagram;
  tcmsg tc{};
  append(datagram, RTM_NEWQDISC, &tc, sizeof(tc));
  append(datagram, RTM_NEWQDISC, &tc, sizeof(tc), kSeq + 1);  // an older request's: skipped
  append(datagram, RTM_NEWTFILTER, &tc, sizeof(tc));
  const int done = 0;
  append(datagram, NLMSG_DONE, &done, sizeof(done));
  std::optional<Reply> reply;
  EXPECT_EQ(types_read(datagram, &reply), (std::vector<uint16_t>{RTM_NEWQDISC, RTM_NEWTFILTER}));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->error, 0);
}

TEST(ReadDatagram, DoneCarriesTheDumpsError) {
  std::vector<char> datagram;
  const int error = -EINVAL;
  append(datagram, NLMSG_DONE, &error, sizeof(error));
  std::optional<Reply> reply;
  types_read(datagram, &reply);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->error, -EINVAL);
}

TEST(ReadDatagram, WithoutTheEndReadsOn) {
  std::vector<char> datagram;
  tcmsg tc{};
  append(datagram, RTM_NEWQDISC, &tc, sizeof(tc));
  std::optional<Reply> reply;
  EXPECT_EQ(types_read(datagram, &reply).size(), 1u);
  EXPECT_FALSE(reply);
}

// libmnl's mnl_nlmsg_ok compares nlmsg_len as an int: a length of 2 GiB or
// more passed it. From 0xfffffffd up the aligned length is 0, and the loop
// read the same message forever; below that it jumped out of the buffer.
TEST(ReadDatagram, LengthsBeyondTheDatagramEndTheLoop) {
  for (uint32_t bogus : {0xffffffffu, 0xfffffffdu, 0xdbdbdb18u, 0x80000000u}) {
    std::vector<char> datagram;
    tcmsg tc{};
    append(datagram, RTM_NEWQDISC, &tc, sizeof(tc));
    const size_t at = append(datagram, RTM_NEWQDISC, &tc, sizeof(tc));
    set_length(datagram, at, bogus);
    std::optional<Reply> reply;
    EXPECT_EQ(types_read(datagram, &reply).size(), 1u) << std::hex << bogus;
    EXPECT_FALSE(reply);
  }
}

// libmnl walks a message's attributes up to its length rounded up to 4: a
// last message of 43 bytes in a 43-byte datagram had a TCA_KIND read past
// the end (found by netlink_reply_fuzz under ASan). The kernel pads every
// message, so one that is not is not read.
TEST(ReadDatagram, AMessageWhosePaddingIsMissingIsNotRead) {
  std::vector<char> datagram;
  tcmsg tc{};
  append(datagram, RTM_NEWQDISC, &tc, sizeof(tc));
  const size_t at = append(datagram, RTM_NEWQDISC, &tc, sizeof(tc));
  const char kind[] = {8, 0, TCA_KIND, 0, 'a', 'b', 'c'};  // claims 8 bytes, has 7
  datagram.insert(datagram.end(), kind, kind + sizeof(kind));
  set_length(datagram, at, static_cast<uint32_t>(datagram.size() - at));
  std::optional<Reply> reply;
  EXPECT_EQ(types_read(datagram, &reply).size(), 1u);
  EXPECT_FALSE(reply);
}

TEST(ReadLinkRemovals, OnlyAGoneLinksOwnRemovalCounts) {
  std::vector<char> datagram;
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  info.ifi_index = 5;
  append(datagram, RTM_DELLINK, &info, sizeof(info));
  info.ifi_index = 6;  // still there
  append(datagram, RTM_DELLINK, &info, sizeof(info));
  info.ifi_index = 7;
  info.ifi_family = AF_BRIDGE;  // a port leaving a bridge
  append(datagram, RTM_DELLINK, &info, sizeof(info));
  info.ifi_family = AF_UNSPEC;
  append(datagram, RTM_NEWLINK, &info, sizeof(info));
  std::vector<int> removed;
  read_link_removals(
      datagram, [](int ifindex) { return ifindex == 6; },
      [&](int ifindex) { removed.push_back(ifindex); });
  EXPECT_EQ(removed, std::vector<int>{5});
}

TEST(ReadLinkRemovals, LengthsBeyondTheDatagramEndTheLoop) {
  for (uint32_t bogus : {0xffffffffu, 0xfffffffdu, 0x80000000u}) {
    std::vector<char> datagram;
    ifinfomsg info{};
    info.ifi_index = 5;
    const size_t at = append(datagram, RTM_DELLINK, &info, sizeof(info));
    info.ifi_index = 9;
    append(datagram, RTM_DELLINK, &info, sizeof(info));
    set_length(datagram, at, bogus);
    std::vector<int> removed;
    read_link_removals(
        datagram, [](int) { return false; }, [&](int ifindex) { removed.push_back(ifindex); });
    EXPECT_TRUE(removed.empty()) << std::hex << bogus;
  }
}

TEST(ReadLinkFlags, EachNewLinkOfTheLinksOwnFamily) {
  std::vector<char> datagram;
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  info.ifi_index = 5;
  info.ifi_flags = IFF_UP | IFF_RUNNING;
  append(datagram, RTM_NEWLINK, &info, sizeof(info));
  info.ifi_index = 6;
  info.ifi_flags = 0;
  append(datagram, RTM_NEWLINK, &info, sizeof(info));
  info.ifi_family = AF_BRIDGE;  // about a kernel bridge's port
  append(datagram, RTM_NEWLINK, &info, sizeof(info));
  info.ifi_family = AF_UNSPEC;
  append(datagram, RTM_DELLINK, &info, sizeof(info));
  std::vector<std::pair<int, unsigned>> seen;
  read_link_flags(datagram,
                  [&](int ifindex, unsigned flags) { seen.emplace_back(ifindex, flags); });
  const std::vector<std::pair<int, unsigned>> expected{{5, IFF_UP | IFF_RUNNING}, {6, 0u}};
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace ew::netlink
