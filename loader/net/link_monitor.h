// Tells the session when a watched interface disappears (deleted, or moved
// to another namespace), so it can say so and go on with the others; and,
// for the bridge, when a link's flags change (down, up, carrier).
#pragma once

#include <functional>
#include <memory>
#include <span>

#include <libmnl/libmnl.h>

namespace ew {

// Called with a link's index and its ifi_flags (IFF_UP, IFF_RUNNING, ...) for
// every RTM_NEWLINK: also for changes that are not about its state.
using LinkFlagsHandler = std::function<void(int ifindex, unsigned flags)>;

class LinkMonitor {
 public:
  // Subscribes to rtnetlink link notifications. Throws ew::Error.
  LinkMonitor();

  int fd() const;
  // Reads what is pending; calls on_removed(ifindex) for each removal.
  // Returns true when notifications were lost (the socket overran), in which
  // case the caller must check its interfaces itself.
  bool read(const std::function<void(int ifindex)>& on_removed);
  // The same, and on_flags for each link notification.
  bool read(const std::function<void(int ifindex)>& on_removed, const LinkFlagsHandler& on_flags);

 private:
  struct Closer {
    void operator()(mnl_socket* s) const { mnl_socket_close(s); }
  };
  std::unique_ptr<mnl_socket, Closer> socket_;
};

// The removals one datagram of link notifications announces: calls
// on_removed(ifindex) for each link that is gone by `exists`. What read()
// does with every datagram, apart so it can be run on any bytes.
void read_link_removals(std::span<const char> datagram, const std::function<bool(int)>& exists,
                        const std::function<void(int ifindex)>& on_removed);
// The flags each RTM_NEWLINK of the link's own family in one datagram carries.
void read_link_flags(std::span<const char> datagram, const LinkFlagsHandler& on_flags);

}  // namespace ew
