// Least privilege after setup: once the classifier is attached (or the
// bridge's sockets are open) almost nothing needs a capability any more. The
// ring buffer, the maps and the packet sockets are used through fds we hold;
// only detaching at exit talks to rtnetlink, which checks CAP_NET_ADMIN on
// every request (for the sender, not only the socket's opener), so that one
// is kept when there is something to detach.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace ew {

struct TargetUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks the --user NAME up, before anything is touched, so a typo changes
// nothing. Throws ew::Error("--user nobodyy: no such user").
TargetUser resolve_user(const std::string& name);

// Whether BPF syscalls on map fds we already hold need CAP_BPF here: before
// Linux 6.5 every bpf() command was refused without it while
// kernel.unprivileged_bpf_disabled is set (Debian's default); since 6.5 only
// creating maps and loading programs is checked.
bool map_access_needs_cap_bpf();

// Keeps exactly `keep` (CAP_* numbers) in the effective and permitted sets,
// empties the inheritable, ambient and bounding sets, sets no_new_privs, and
// with `user` switches to its uid and gid (supplementary groups dropped).
// Throws ew::Error; the process must not go on without the drop it asked for.
void drop_privileges(const std::vector<int>& keep, const std::optional<TargetUser>& user);

// What egresswatch and the bridge do once set up: keep CAP_NET_ADMIN when
// something is to be detached at exit, CAP_BPF where map access needs it,
// drop the rest, and switch to `user` if given (saying so on stderr).
void drop_privileges_after_setup(bool detach_needed, const std::optional<TargetUser>& user);

// "CAP_NET_ADMIN, CAP_BPF" (or "none"), for the log line.
std::string capability_names(const std::vector<int>& capabilities);

}  // namespace ew
