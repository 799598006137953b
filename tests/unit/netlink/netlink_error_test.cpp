#include "netlink/socket.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "netlink/netlink_test_util.h"
#include "netlink/tc_messages.h"

namespace ew::netlink {
namespace {

using test::MessageBuilder;

// An NLMSG_ERROR answer to `request` as the kernel writes it (netlink_ack):
// nlmsgerr, the rest of the request unless capped, then the TLVs.
class ErrorBuilder {
 public:
  ErrorBuilder(const NetlinkMessage& request, int error, uint16_t flags)
      : builder_(NLMSG_ERROR, flags) {
    auto* err = builder_.put_extra_header<nlmsgerr>();
    err->error = error;
    std::memcpy(&err->msg, request.header(), sizeof(nlmsghdr));
    if (!(flags & NLM_F_CAPPED)) {
      const size_t rest = request.header()->nlmsg_len - sizeof(nlmsghdr);
      void* copy = mnl_nlmsg_put_extra_header(builder_.nlh(), rest);
      std::memcpy(copy, request.bytes().data() + sizeof(nlmsghdr), rest);
    }
  }
  nlmsghdr* nlh() { return builder_.nlh(); }

 private:
  MessageBuilder builder_;
};

NetlinkMessage sample_request() {
  BpfFilterSpec spec;
  spec.ifindex = 3;
  spec.priority = 1;
  spec.handle = 1;
  spec.prog_fd = 9;
  spec.name = "egresswatch";
  return make_bpf_filter_create(spec, CreateMode::kExclusive);
}

TEST(ParseErrorMessage, PlainAck) {
  NetlinkMessage request = sample_request();
  ErrorBuilder ack(request, 0, NLM_F_CAPPED);
  Reply reply = parse_error_message(ack.nlh());
  EXPECT_EQ(reply.error, 0);
  EXPECT_EQ(reply.kernel_reason, "");
}

TEST(ParseErrorMessage, ErrorWithoutExtendedAck) {
  NetlinkMessage request = sample_request();
  ErrorBuilder error(request, -EEXIST, 0);
  Reply reply = parse_error_message(error.nlh());
  EXPECT_EQ(reply.error, -EEXIST);
  EXPECT_EQ(reply.kernel_reason, "");
}

TEST(ParseErrorMessage, CappedWithMessage) {
  NetlinkMessage request = sample_request();
  ErrorBuilder error(request, -EEXIST, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  mnl_attr_put_strz(error.nlh(), NLMSGERR_ATTR_MSG, "Exclusivity flag on, cannot modify");
  Reply reply = parse_error_message(error.nlh());
  EXPECT_EQ(reply.error, -EEXIST);
  EXPECT_EQ(reply.kernel_reason, "Exclusivity flag on, cannot modify");
}

TEST(ParseErrorMessage, UncappedWithMessageAfterTheEchoedRequest) {
  NetlinkMessage request = sample_request();
  // The echoed request holds attributes of its own; none may be taken for TLVs.
  ErrorBuilder error(request, -EINVAL, NLM_F_ACK_TLVS);
  mnl_attr_put_u32(error.nlh(), NLMSGERR_ATTR_OFFS, 36);
  mnl_attr_put_strz(error.nlh(), NLMSGERR_ATTR_MSG, "Invalid handle");
  Reply reply = parse_error_message(error.nlh());
  EXPECT_EQ(reply.error, -EINVAL);
  EXPECT_EQ(reply.kernel_reason, "Invalid handle");
}

TEST(ParseErrorMessage, TlvsWithoutAMessage) {
  NetlinkMessage request = sample_request();
  ErrorBuilder error(request, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  mnl_attr_put_u32(error.nlh(), NLMSGERR_ATTR_OFFS, 20);
  Reply reply = parse_error_message(error.nlh());
  EXPECT_EQ(reply.error, -EINVAL);
  EXPECT_EQ(reply.kernel_reason, "");
}

TEST(ParseErrorMessage, TlvFlagWithNoTlvs) {
  NetlinkMessage request = sample_request();
  ErrorBuilder capped(request, -ENOENT, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  EXPECT_EQ(parse_error_message(capped.nlh()).error, -ENOENT);
  EXPECT_EQ(parse_error_message(capped.nlh()).kernel_reason, "");
  ErrorBuilder uncapped(request, -ENOENT, NLM_F_ACK_TLVS);
  EXPECT_EQ(parse_error_message(uncapped.nlh()).error, -ENOENT);
  EXPECT_EQ(parse_error_message(uncapped.nlh()).kernel_reason, "");
}

TEST(ParseErrorMessage, MessageWithoutNulIsIgnored) {
  NetlinkMessage request = sample_request();
  ErrorBuilder error(request, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  mnl_attr_put(error.nlh(), NLMSGERR_ATTR_MSG, 4, "oops");
  Reply reply = parse_error_message(error.nlh());
  EXPECT_EQ(reply.error, -EINVAL);
  EXPECT_EQ(reply.kernel_reason, "");
}

TEST(ParseErrorMessage, MessageTlvIsReadOnlyWhenFlagged) {
  NetlinkMessage request = sample_request();
  ErrorBuilder error(request, -EPERM, NLM_F_CAPPED);
  mnl_attr_put_strz(error.nlh(), NLMSGERR_ATTR_MSG, "should not be read");
  Reply reply = parse_error_message(error.nlh());
  EXPECT_EQ(reply.error, -EPERM);
  EXPECT_EQ(reply.kernel_reason, "");
}

// An uncapped error echoes the request, whose own length says where the
// TLVs start. One below a header made that offset wrap to a point inside
// the error header, read as TLVs: here seq and pid spell a message.
TEST(ParseErrorMessage, EchoedLengthBelowAHeaderHasNoTlvs) {
  MessageBuilder b(NLMSG_ERROR, NLM_F_ACK_TLVS);
  auto* err = b.put_extra_header<nlmsgerr>();
  err->error = -EINVAL;
  err->msg.nlmsg_len = 8;  // the TLVs would start at offset 12: err->msg.nlmsg_seq
  err->msg.nlmsg_seq = (NLMSGERR_ATTR_MSG << 16) | 8;
  std::memcpy(&err->msg.nlmsg_pid, "hi!", 4);
  Reply reply = parse_error_message(b.nlh());
  EXPECT_EQ(reply.error, -EINVAL);
  EXPECT_EQ(reply.kernel_reason, "");
}

TEST(ParseErrorMessage, TooShortIsEbadmsg) {
  MessageBuilder b(NLMSG_ERROR, 0);
  auto* err = b.put_extra_header<int32_t>();
  *err = -EEXIST;  // an error code but no echoed header
  Reply reply = parse_error_message(b.nlh());
  EXPECT_EQ(reply.error, -EBADMSG);
  EXPECT_EQ(reply.kernel_reason, "");
}

}  // namespace
}  // namespace ew::netlink
