// The single libbpf print hook. With --verbose everything libbpf says (the
// verifier's log included) goes to stderr; otherwise it is kept quiet and only
// our own one-line error is shown.
#pragma once

namespace ew {

void install_libbpf_log(bool verbose);

}  // namespace ew
