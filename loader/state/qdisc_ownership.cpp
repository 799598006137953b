#include "state/qdisc_ownership.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/log.h"
#include "core/unique_fd.h"

namespace ew {
namespace {

std::string state_dir() {
  const char* dir = std::getenv("EGRESSWATCH_STATE_DIR");
  return dir && *dir ? dir : "/run/egresswatch";
}

// Names our network namespace. The cookie (Linux 5.14+) is never reused; an
// inode number is, as soon as the namespace that had it is gone, so older
// kernels fall back to it with that caveat.
std::string netns_id() {
  UniqueFd probe(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  uint64_t cookie = 0;
  socklen_t len = sizeof(cookie);
  if (probe.valid() && getsockopt(probe.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) == 0) {
    // Not "c" + std::to_string(): a false -Wrestrict in g++ 12 at -O3 (GCC bug 105651).
    std::string id = "c";
    id += std::to_string(cookie);
    return id;
  }
  struct stat st {};
  if (stat("/proc/self/ns/net", &st) != 0) return "0";
  return std::to_string(static_cast<unsigned long long>(st.st_ino));
}

}  // namespace

std::string QdiscOwnership::marker_path(const Interface& iface) {
  return state_dir() + "/clsact-" + netns_id() + "-" + std::to_string(iface.ifindex);
}

namespace {
constexpr const char* kAttaching = "attaching";
constexpr const char* kAttached = "attached";

void write_marker(const Interface& iface, const char* phase) {
  std::ofstream out(QdiscOwnership::marker_path(iface), std::ios::trunc);
  out << iface.name << '\n' << phase << '\n';
  if (!out) {
    log_warning(QdiscOwnership::marker_path(iface) + ": cannot record that we created " +
                iface.name + "'s clsact qdisc");
  }
}
}  // namespace

void QdiscOwnership::record(const Interface& iface) {
  const std::string dir = state_dir();
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    log_warning(dir + ": cannot record that we created " + iface.name +
                "'s clsact qdisc; after a crash, remove it by hand");
    return;
  }
  write_marker(iface, kAttaching);
}

void QdiscOwnership::mark_attached(const Interface& iface) {
  // Only a marker of ours (a qdisc we created) is moved on.
  if (state(iface) == State::kAttaching) write_marker(iface, kAttached);
}

QdiscOwnership::State QdiscOwnership::state(const Interface& iface) {
  std::ifstream in(marker_path(iface));
  std::string name;
  if (!in || !std::getline(in, name) || name != iface.name) return State::kNone;
  std::string phase;
  // A marker without a phase comes from an egresswatch that attached first
  // and recorded after: treat it as attached.
  if (std::getline(in, phase) && phase == kAttaching) return State::kAttaching;
  return State::kAttached;
}

void QdiscOwnership::forget(const Interface& iface) {
  std::remove(marker_path(iface).c_str());
}

}  // namespace ew
