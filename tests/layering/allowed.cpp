// Built against ew_prefixes, which links ew_core: both parts' headers are seen.
#include "core/error.h"
#include "prefixes/prefix.h"

int ew_layering_allowed() {
  return 0;
}
