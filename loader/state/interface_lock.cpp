#include "state/interface_lock.h"

#include <dirent.h>
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

// File name prefixes, one per purpose; the sweep knows them all.
constexpr const char* kWatchPrefix = "lock";
constexpr const char* kBridgePortPrefix = "bridgeport";
constexpr const char* kQdiscBypassPrefix = "bypass";

const char* prefix(LockPurpose purpose) {
  switch (purpose) {
    case LockPurpose::kBridgePort:
      return kBridgePortPrefix;
    case LockPurpose::kQdiscBypass:
      return kQdiscBypassPrefix;
    case LockPurpose::kWatch:
      break;
  }
  return kWatchPrefix;
}

std::string lock_path(const Interface& iface, LockPurpose purpose) {
  // Same folder and key as the qdisc marker, another prefix.
  std::string marker = QdiscOwnership::marker_path(iface);
  auto slash = marker.rfind('/');
  std::string dir = marker.substr(0, slash);
  mkdir(dir.c_str(), 0755);
  return dir + "/" + prefix(purpose) + marker.substr(marker.find('-', slash));
}

bool is_lock_file(const std::string& name) {
  for (const char* p : {kWatchPrefix, kBridgePortPrefix, kQdiscBypassPrefix}) {
    const std::string start = std::string(p) + "-";
    if (name.rfind(start, 0) == 0) return true;
  }
  return false;
}

std::string held_message(const Interface& iface, LockPurpose purpose, const std::string& pid) {
  if (purpose != LockPurpose::kWatch) {
    return iface.name + ": already a port of another egresswatch-bridge (pid " + pid + ")";
  }
  return iface.name + ": already watched by another egresswatch (pid " + pid + ")";
}

std::string state_folder() {
  std::string marker = QdiscOwnership::marker_path(Interface{});
  return marker.substr(0, marker.rfind('/'));
}

// After flock(): is the file we locked still the one at `path`? A sweep or
// a releasing holder may have unlinked it between our open and our lock.
bool still_at_path(int fd, const std::string& path) {
  struct stat locked {};
  struct stat current {};
  return fstat(fd, &locked) == 0 && stat(path.c_str(), &current) == 0 &&
         locked.st_dev == current.st_dev && locked.st_ino == current.st_ino;
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

InterfaceLock InterfaceLock::acquire(const Interface& iface, LockPurpose purpose) {
  sweep_unheld();
  const std::string path = lock_path(iface, purpose);
  for (;;) {
    UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd.valid()) throw_last_error(path);
    if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        throw Error(held_message(iface, purpose, read_pid(fd.get())));
      }
      throw_last_error(path);
    }
    if (!still_at_path(fd.get(), path)) continue;  // unlinked under us: a fresh file
    std::string pid = std::to_string(getpid()) + "\n";
    if (ftruncate(fd.get(), 0) != 0 || pwrite(fd.get(), pid.data(), pid.size(), 0) < 0) {
      throw_last_error(path);
    }
    return InterfaceLock(std::move(fd), path);
  }
}

InterfaceLock& InterfaceLock::operator=(InterfaceLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::move(other.fd_);
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

InterfaceLock::~InterfaceLock() {
  release();
}

void InterfaceLock::release() {
  // Unlinked while still locked, so no one can take this file and lose it;
  // after a privilege drop the folder may not be ours to write: the next
  // sweep removes the file then.
  if (fd_.valid() && !path_.empty()) unlink(path_.c_str());
  fd_ = UniqueFd();
  path_.clear();
}

void InterfaceLock::sweep_unheld() {
  const std::string dir = state_folder();
  DIR* folder = opendir(dir.c_str());
  if (!folder) return;
  while (dirent* entry = readdir(folder)) {
    const std::string name = entry->d_name;
    if (!is_lock_file(name)) continue;
    const std::string path = dir + "/" + name;
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) continue;
    if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // held: a live owner
    if (still_at_path(fd.get(), path)) unlink(path.c_str());
  }
  closedir(folder);
}

bool InterfaceLock::held_by_other(const Interface& iface, std::string* holder_pid,
                                  LockPurpose purpose) {
  UniqueFd fd(open(lock_path(iface, purpose).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  if (flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return false;
  if (holder_pid) *holder_pid = read_pid(fd.get());
  return errno == EWOULDBLOCK;
}

}  // namespace ew
