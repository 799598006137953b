// Attribute iteration for C++: libmnl's mnl_attr_for_each* macros rely on
// implicit void* conversions C++ rejects, so walk with its callback API.
#pragma once

#include <libmnl/libmnl.h>

#include <cstddef>

namespace ew::netlink {

namespace detail {
template <typename F>
int call_attr(const nlattr* attr, void* data) {
  (*static_cast<F*>(data))(attr);
  return MNL_CB_OK;
}
}  // namespace detail

// Whether a whole message starts at nlh with len bytes left in the datagram:
// mnl_nlmsg_ok plus the same bound unsigned. libmnl compares nlmsg_len as an
// int, so a length of 2 GiB or more passes it, and mnl_nlmsg_next then leaves
// the buffer (or, from 0xfffffffd up, aligns to 0 and never moves on). The
// aligned length must fit too: libmnl walks attributes up to it, and the
// kernel pads every message it sends to it.
inline bool message_ok(const nlmsghdr* nlh, int len) {
  return mnl_nlmsg_ok(nlh, len) && nlh->nlmsg_len <= static_cast<unsigned>(len) &&
         MNL_ALIGN(nlh->nlmsg_len) <= static_cast<unsigned>(len);
}

// Calls f(const nlattr*) for each attribute after the family header.
template <typename F>
void for_each_attr(const nlmsghdr* nlh, size_t header_len, F f) {
  mnl_attr_parse(nlh, static_cast<unsigned>(header_len), detail::call_attr<F>, &f);
}

template <typename F>
void for_each_nested_attr(const nlattr* nest, F f) {
  mnl_attr_parse_nested(nest, detail::call_attr<F>, &f);
}

template <typename F>
void for_each_payload_attr(const void* payload, size_t len, F f) {
  mnl_attr_parse_payload(payload, len, detail::call_attr<F>, &f);
}

}  // namespace ew::netlink
