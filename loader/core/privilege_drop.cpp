#include "core/privilege_drop.h"

#include <cap-ng.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/utsname.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <fstream>

#include "core/error.h"
#include "core/log.h"

namespace ew {

TargetUser resolve_user(const std::string& name) {
  if (name.empty()) throw Error("--user: the name is empty");
  errno = 0;
  const passwd* entry = getpwnam(name.c_str());
  if (!entry) {
    if (errno != 0 && errno != ENOENT && errno != ESRCH) {
      throw_last_error("--user " + name + ": looking the user up");
    }
    throw UsageError("--user " + name + ": no such user");
  }
  return TargetUser{name, entry->pw_uid, entry->pw_gid};
}

bool map_access_needs_cap_bpf() {
  utsname u{};
  int major = 0;
  int minor = 0;
  if (uname(&u) == 0 && std::sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
      (major > 6 || (major == 6 && minor >= 5))) {
    return false;
  }
  std::ifstream sysctl("/proc/sys/kernel/unprivileged_bpf_disabled");
  int disabled = 1;  // unreadable: assume the strict default
  sysctl >> disabled;
  return disabled != 0;
}

void drop_privileges(const std::vector<int>& keep, const std::optional<TargetUser>& user) {
  capng_clear(CAPNG_SELECT_ALL);
  for (int capability : keep) {
    capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED),
                 static_cast<unsigned>(capability));
  }
  int rc = 0;
  if (user) {
    // Keeps the selected capabilities across setuid (PR_SET_KEEPCAPS),
    // then applies them and the empty bounding set.
    rc = capng_change_id(static_cast<int>(user->uid), static_cast<int>(user->gid),
                         static_cast<capng_flags_t>(CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING));
    if (rc != 0) {
      throw Error("--user " + user->name + ": switching to uid " + std::to_string(user->uid) +
                  " failed (libcap-ng " + std::to_string(rc) + ")");
    }
  } else {
    rc = capng_apply(CAPNG_SELECT_ALL);
    if (rc != 0) throw Error("dropping capabilities failed (libcap-ng " + std::to_string(rc) + ")");
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw_last_error("setting no_new_privs");
}

std::string capability_names(const std::vector<int>& capabilities) {
  std::string names;
  for (int capability : capabilities) {
    const char* name = capng_capability_to_name(static_cast<unsigned>(capability));
    std::string upper = name ? name : std::to_string(capability);
    for (char& c : upper)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    names += (names.empty() ? "" : ", ") + ("CAP_" + upper);
  }
  return names.empty() ? "none" : names;
}

void drop_privileges_after_setup(bool detach_needed, const std::optional<TargetUser>& user) {
  std::vector<int> keep;
  if (detach_needed) {
    keep.push_back(CAP_NET_ADMIN);
    if (map_access_needs_cap_bpf()) keep.push_back(CAP_BPF);
  }
  drop_privileges(keep, user);
  if (user) log_info("running as " + user->name + " with " + capability_names(keep));
}

}  // namespace ew
