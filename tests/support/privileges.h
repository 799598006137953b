// Tests that need the kernel skip, with the reason, when run unprivileged;
// CI runs as root, so there they always run.
#pragma once

#include <gtest/gtest.h>

#include "core/capabilities.h"

#define EW_SKIP_UNLESS_BPF_CAPABLE()                                                   \
  do {                                                                                 \
    if (!ew::missing_watch_capabilities().empty()) {                                   \
      GTEST_SKIP() << "needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (run as root, as " \
                      "`make test` in CI does)";                                       \
    }                                                                                  \
  } while (0)
