# bpf_object(NAME SOURCE [HEADERS h...])
#
# Compiles SOURCE with clang for the BPF target, generates a libbpf skeleton
# NAME.skel.h with bpftool, and defines the INTERFACE library NAME_skel that
# puts the skeleton on the include path. HEADERS are dependencies: editing one
# rebuilds the object and the skeleton.
find_program(BPF_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
  set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_TARGET_ARCH arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "arm")
  set(BPF_TARGET_ARCH arm)
else()
  set(BPF_TARGET_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

function(bpf_object name source)
  cmake_parse_arguments(BPF "" "" "HEADERS" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/bpf_gen)
  set(object ${out_dir}/${name}.bpf.o)
  set(skeleton ${out_dir}/${name}.skel.h)
  get_filename_component(source_abs ${source} ABSOLUTE)
  get_filename_component(source_dir ${source_abs} DIRECTORY)

  # The UAPI headers include <asm/types.h>, which Debian keeps in the
  # multiarch directory; clang -target bpf does not look there by itself.
  set(arch_include)
  if(CMAKE_LIBRARY_ARCHITECTURE)
    set(arch_include -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
  endif()

  add_custom_command(
    OUTPUT ${object}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${BPF_CLANG} -g -O2 -Wall -Wextra -Werror -target bpf
            -D__TARGET_ARCH_${BPF_TARGET_ARCH} ${arch_include} -I${source_dir}
            -c ${source_abs} -o ${object}
    DEPENDS ${source_abs} ${BPF_HEADERS}
    COMMENT "BPF object ${name}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND sh -c "\"${BPFTOOL}\" gen skeleton \"${object}\" name ${name}_bpf > \"${skeleton}.tmp\""
    COMMAND ${CMAKE_COMMAND} -E rename ${skeleton}.tmp ${skeleton}
    DEPENDS ${object}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skeleton} ${object})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  # The generated skeleton is not ours to keep warning-free (old-style casts).
  target_include_directories(${name}_skel SYSTEM INTERFACE ${out_dir})
  target_include_directories(${name}_skel INTERFACE ${source_dir})
  set(${name}_BPF_OBJECT ${object} PARENT_SCOPE)
endfunction()
