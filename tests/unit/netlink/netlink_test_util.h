// Helpers for the netlink tests: a buffer to build kernel-style messages in
// with libmnl, and attribute listing through libmnl's callback API (kept
// apart from loader/netlink/attributes.h so the tests do not check the loader
// with its own code).
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace ew::test {

class MessageBuilder {
 public:
  MessageBuilder(uint16_t type, uint16_t flags) {
    nlh_ = mnl_nlmsg_put_header(buffer_.data());
    nlh_->nlmsg_type = type;
    nlh_->nlmsg_flags = flags;
  }

  nlmsghdr* nlh() { return nlh_; }

  template <typename T>
  T* put_extra_header() {
    return static_cast<T*>(mnl_nlmsg_put_extra_header(nlh_, sizeof(T)));
  }

 private:
  alignas(nlmsghdr) std::array<char, 4096> buffer_{};
  nlmsghdr* nlh_;
};

namespace detail {
inline int collect_attr(const nlattr* attr, void* data) {
  static_cast<std::vector<const nlattr*>*>(data)->push_back(attr);
  return MNL_CB_OK;
}
}  // namespace detail

// The attributes after a family header of `header_len` bytes, in order.
inline std::vector<const nlattr*> attrs_of(const nlmsghdr* nlh, size_t header_len) {
  std::vector<const nlattr*> attrs;
  EXPECT_EQ(mnl_attr_parse(nlh, static_cast<unsigned>(header_len), detail::collect_attr, &attrs),
            MNL_CB_OK);
  return attrs;
}

inline std::vector<const nlattr*> nested_attrs_of(const nlattr* nest) {
  std::vector<const nlattr*> attrs;
  EXPECT_EQ(mnl_attr_parse_nested(nest, detail::collect_attr, &attrs), MNL_CB_OK);
  return attrs;
}

inline std::vector<uint16_t> types_of(const std::vector<const nlattr*>& attrs) {
  std::vector<uint16_t> types;
  for (const nlattr* attr : attrs)
    types.push_back(mnl_attr_get_type(attr));
  return types;
}

// The one attribute of `type`, or nullptr (and a test failure) when there is
// none or more than one.
inline const nlattr* only_attr(const std::vector<const nlattr*>& attrs, uint16_t type) {
  const nlattr* found = nullptr;
  for (const nlattr* attr : attrs) {
    if (mnl_attr_get_type(attr) != type) continue;
    EXPECT_EQ(found, nullptr) << "attribute " << type << " appears twice";
    found = attr;
  }
  EXPECT_NE(found, nullptr) << "attribute " << type << " is missing";
  return found;
}

inline std::string string_of(const nlattr* attr) {
  if (!attr) return "<missing>";
  EXPECT_EQ(mnl_attr_validate(attr, MNL_TYPE_NUL_STRING), 0) << "not a NUL-terminated string";
  return mnl_attr_get_str(attr);
}

inline uint32_t u32_of(const nlattr* attr) {
  if (!attr) return 0xdeadbeef;
  EXPECT_EQ(mnl_attr_validate(attr, MNL_TYPE_U32), 0) << "not a u32";
  return mnl_attr_get_u32(attr);
}

// Checks that `bytes` is one well-formed message whose attributes, after a
// family header of `header_len` bytes, fill it exactly.
inline void expect_well_formed(std::span<const uint8_t> bytes, size_t header_len) {
  ASSERT_GE(bytes.size(), sizeof(nlmsghdr));
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data());
  EXPECT_EQ(nlh->nlmsg_len, bytes.size());
  EXPECT_EQ(nlh->nlmsg_len % MNL_ALIGNTO, 0u);
  EXPECT_TRUE(mnl_nlmsg_ok(nlh, static_cast<int>(bytes.size())));
  // Sequence and port are the socket's business, filled in when sending.
  EXPECT_EQ(nlh->nlmsg_seq, 0u);
  EXPECT_EQ(nlh->nlmsg_pid, 0u);
  size_t used = MNL_NLMSG_HDRLEN + MNL_ALIGN(header_len);
  for (const nlattr* attr : attrs_of(nlh, header_len))
    used += MNL_ALIGN(attr->nla_len);
  EXPECT_EQ(used, nlh->nlmsg_len) << "bytes after the last attribute";
}

}  // namespace ew::test
