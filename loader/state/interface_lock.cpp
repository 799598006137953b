#include "state/interface_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/error.h"
#include "state/qdisc_ownership.h"

namespace ew {
namespace {

std::string lock_path(const Interface& iface) {
  // Same folder and key as the qdisc marker, another prefix.
  std::string marker = QdiscOwnership::marker_path(iface);
  auto slash = marker.rfind('/');
  std::string dir = marker.substr(0, slash);
  mkdir(dir.c_str(), 0755);
  return dir + "/lock" + marker.substr(marker.find('-', slash));
}

std::string read_pid(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
    pid.pop_back();
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

InterfaceLock InterfaceLock::acquire(const Interface& iface) {
  const std::string path = lock_path(iface);
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_last_error(path);
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      throw Error(iface.name + ": already watched by another egresswatch (pid " +
                  read_pid(fd.get()) + ")");
    }
    throw_last_error(path);
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd.get(), 0) != 0 || pwrite(fd.get(), pid.data(), pid.size(), 0) < 0) {
    throw_last_error(path);
  }
  return InterfaceLock(std::move(fd));
}

bool InterfaceLock::held_by_other(const Interface& iface, std::string* holder_pid) {
  UniqueFd fd(open(lock_path(iface).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  if (flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return false;
  if (holder_pid) *holder_pid = read_pid(fd.get());
  return errno == EWOULDBLOCK;
}

}  // namespace ew
