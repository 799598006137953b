// Built against ew_prefixes only: tc is not among what prefixes links, so its
// header must not be found and this must not compile.
#include "tc/clsact_filter.h"

int ew_layering_upward() {
  return 0;
}
