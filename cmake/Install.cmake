# `make install` / `cmake --install`: the two programs in sbin (they are
# system administration tools that need capabilities), the systemd units, the
# example configuration in /etc/egresswatch, the logrotate snippet, the man
# pages and the examples. PREFIX and DESTDIR as usual; with the default
# /usr/local prefix the config still goes to /etc and the units to systemd's
# own folder (where systemd looks for them).
include(GNUInstallDirs)

set(EW_SYSTEMD_UNIT_DIR "" CACHE PATH "Where the systemd units go (default: systemd's own)")
if(NOT EW_SYSTEMD_UNIT_DIR)
  pkg_get_variable(EW_SYSTEMD_UNIT_DIR_PC systemd systemdsystemunitdir)
  if(EW_SYSTEMD_UNIT_DIR_PC)
    set(EW_SYSTEMD_UNIT_DIR ${EW_SYSTEMD_UNIT_DIR_PC})
  else()
    set(EW_SYSTEMD_UNIT_DIR /lib/systemd/system)
  endif()
endif()
# /etc for the config whatever the prefix: /usr/local/etc is not where a
# service's unit looks.
set(EW_CONFIG_DIR /etc/egresswatch CACHE PATH "Where the example configuration goes")

# Separate debug symbols: stripped programs, and their symbols beside them
# under lib/debug (found by gdb through the .gnu_debuglink). A Debian build
# turns this off and lets dh_strip make the -dbgsym package instead.
option(EW_INSTALL_SPLIT_DEBUG "Install stripped programs with separate debug files" ON)

install(TARGETS egresswatch egresswatch-bridge RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
if(EW_INSTALL_SPLIT_DEBUG)
  find_program(EW_OBJCOPY NAMES ${CMAKE_OBJCOPY} objcopy REQUIRED)
  foreach(program egresswatch egresswatch-bridge)
    install(CODE "
      # The prefix as given to the install (cmake --install --prefix), not
      # the configure-time one. Symbols in PREFIX/lib/debug/PREFIX/sbin:
      # where gdb looks for /usr (debug-file-directory /usr/lib/debug).
      set(sbin \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}\")
      set(bin \"\$ENV{DESTDIR}\${sbin}/${program}\")
      set(dbg_dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/debug\${sbin}\")
      file(MAKE_DIRECTORY \"\${dbg_dir}\")
      execute_process(COMMAND ${EW_OBJCOPY} --only-keep-debug \"\${bin}\" \"\${dbg_dir}/${program}.debug\"
                      COMMAND_ERROR_IS_FATAL ANY)
      execute_process(COMMAND ${EW_OBJCOPY} --strip-debug --strip-unneeded
                              \"--add-gnu-debuglink=\${dbg_dir}/${program}.debug\" \"\${bin}\"
                      COMMAND_ERROR_IS_FATAL ANY)
      message(STATUS \"Stripped: \${bin} (symbols in \${dbg_dir}/${program}.debug)\")")
  endforeach()
endif()

set(pkg ${CMAKE_SOURCE_DIR}/packaging)
install(FILES ${pkg}/systemd/egresswatch.service ${pkg}/systemd/egresswatch@.service
              ${pkg}/systemd/egresswatch-bridge@.service
        DESTINATION ${EW_SYSTEMD_UNIT_DIR})
install(FILES ${pkg}/config/config.json ${pkg}/config/bridge-inline.conf
        DESTINATION ${EW_CONFIG_DIR})
install(FILES ${pkg}/logrotate/egresswatch DESTINATION /etc/logrotate.d)
install(FILES ${pkg}/man/egresswatch.8 ${pkg}/man/egresswatch-bridge.8
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 OPTIONAL)
install(FILES ${pkg}/networkd/10-egresswatch-bridge-port.network
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
