# ew_part(NAME [DIR folder] SOURCES ... [PUBLIC deps...] [PRIVATE deps...])
#
# One part of the loader (a folder of loader/) as a static library ew_NAME.
# Its headers are included as "NAME/header.h", and the include root that makes
# them visible is handed on only through linking: the root holds one link,
# NAME -> loader/NAME, and is a PUBLIC include directory of ew_NAME alone. So a
# part that includes another part's header without linking it (directly or
# through a PUBLIC dependency) does not compile: the build enforces the
# direction of the architecture, not just the reader's good will.
function(ew_part name)
  cmake_parse_arguments(PART "" "DIR" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  if(NOT PART_DIR)
    set(PART_DIR ${CMAKE_CURRENT_SOURCE_DIR}/${name})
  endif()
  set(source_dir ${PART_DIR})
  set(root ${CMAKE_BINARY_DIR}/include_roots/${name})
  file(MAKE_DIRECTORY ${root})
  if(NOT EXISTS ${root}/${name})
    file(CREATE_LINK ${source_dir} ${root}/${name} SYMBOLIC)
  endif()
  list(TRANSFORM PART_SOURCES PREPEND ${source_dir}/)
  if(PART_SOURCES)
    add_library(ew_${name} STATIC ${PART_SOURCES})
    target_include_directories(ew_${name} PUBLIC ${root})
    target_compile_options(ew_${name} PRIVATE ${EW_WARNINGS})
    target_link_libraries(ew_${name} PUBLIC ${PART_PUBLIC} PRIVATE ${PART_PRIVATE})
  else()
    add_library(ew_${name} INTERFACE)
    target_include_directories(ew_${name} INTERFACE ${root})
    target_link_libraries(ew_${name} INTERFACE ${PART_PUBLIC})
  endif()
endfunction()
