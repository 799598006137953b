#include "tc/qdisc_ownership.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

#include "log.h"

namespace ew {
namespace {

std::string state_dir() {
  const char* dir = std::getenv("EGRESSWATCH_STATE_DIR");
  return dir && *dir ? dir : "/run/egresswatch";
}

unsigned long long netns_inode() {
  struct stat st {};
  if (stat("/proc/self/ns/net", &st) != 0) return 0;
  return static_cast<unsigned long long>(st.st_ino);
}

}  // namespace

std::string QdiscOwnership::marker_path(const Interface& iface) {
  return state_dir() + "/clsact-" + std::to_string(netns_inode()) + "-" +
         std::to_string(iface.ifindex);
}

void QdiscOwnership::record(const Interface& iface) {
  const std::string dir = state_dir();
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    log_warning(dir + ": cannot record that we created " + iface.name +
                "'s clsact qdisc; after a crash, remove it by hand");
    return;
  }
  std::ofstream out(marker_path(iface), std::ios::trunc);
  out << iface.name << '\n';
  if (!out) {
    log_warning(marker_path(iface) + ": cannot record that we created " + iface.name +
                "'s clsact qdisc");
  }
}

bool QdiscOwnership::recorded(const Interface& iface) {
  std::ifstream in(marker_path(iface));
  std::string name;
  return in && std::getline(in, name) && name == iface.name;
}

void QdiscOwnership::forget(const Interface& iface) {
  std::remove(marker_path(iface).c_str());
}

}  // namespace ew
