#include "classifier/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>

namespace ew {
namespace {

int print_verbose(enum libbpf_print_level, const char* format, va_list args) {
  return std::vfprintf(stderr, format, args);
}

int print_nothing(enum libbpf_print_level, const char*, va_list) {
  return 0;
}

}  // namespace

void install_libbpf_log(bool verbose) {
  libbpf_set_print(verbose ? print_verbose : print_nothing);
}

}  // namespace ew
