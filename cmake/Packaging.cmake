# What `cmake --install` puts where, and the Debian package (CPack DEB):
# the binary, the pipelines, /etc/meshcall/meshcall.conf and
# /etc/default/meshcall-kiosk (conffiles), the systemd units, the man pages
# (gzipped), the copyright file and the Debian changelog; the maintainer
# scripts create the meshcall system user. scripts/build-deb.sh builds it
# the way Debian builds packages (hardening flags, a /usr prefix) and runs
# lintian; tests/packaging/deb.sh checks the result.

# Units go where systemd looks for packaged ones (Debian 12: /lib); a
# source install under /usr/local puts them under the prefix.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(default_unit_dir /lib/systemd/system)
else()
  set(default_unit_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(MESHCALL_SYSTEMD_UNIT_DIR ${default_unit_dir} CACHE PATH "Where the systemd units are installed")

install(FILES conf/meshcall.conf DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/meshcall)
install(FILES packaging/meshcall-kiosk.default DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/default
        RENAME meshcall-kiosk)
# Every unit in packaging/ (the recorder's too, once it is there).
file(GLOB unit_files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/packaging/*.service)
install(FILES ${unit_files} DESTINATION ${MESHCALL_SYSTEMD_UNIT_DIR})

# Man pages: the version filled in, gzipped without a timestamp (-n) so
# that builds are reproducible.
set(man_pages meshcall.1 meshcall-join.1 meshcall-record.1 meshcall-serve.1 meshcall.conf.5)
set(man_outputs)
foreach(page ${man_pages})
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  configure_file(man/${page} ${CMAKE_BINARY_DIR}/man/${page} @ONLY)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}.gz
    COMMAND gzip -9nf -k ${CMAKE_BINARY_DIR}/man/${page}
    DEPENDS ${CMAKE_BINARY_DIR}/man/${page} ${CMAKE_SOURCE_DIR}/man/${page}
    COMMENT "man page ${page}")
  list(APPEND man_outputs ${CMAKE_BINARY_DIR}/man/${page}.gz)
  install(FILES ${CMAKE_BINARY_DIR}/man/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()

# The Debian changelog's newest entry must be this version.
file(STRINGS packaging/debian/changelog changelog_head LIMIT_COUNT 1)
set(MESHCALL_DEB_RELEASE 1)
if(NOT changelog_head MATCHES "^meshcall \\(${PROJECT_VERSION}-${MESHCALL_DEB_RELEASE}\\) ")
  message(FATAL_ERROR "packaging/debian/changelog starts with '${changelog_head}', not version "
                      "${PROJECT_VERSION}-${MESHCALL_DEB_RELEASE}: add an entry for this version")
endif()
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/doc/changelog.Debian.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/doc
  COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/packaging/debian/changelog > ${CMAKE_BINARY_DIR}/doc/changelog.Debian.gz
  DEPENDS ${CMAKE_SOURCE_DIR}/packaging/debian/changelog
  COMMENT "changelog.Debian.gz")
add_custom_target(mc_docs ALL DEPENDS ${man_outputs} ${CMAKE_BINARY_DIR}/doc/changelog.Debian.gz)
install(FILES packaging/debian/copyright ${CMAKE_BINARY_DIR}/doc/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES packaging/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME README.kiosk.md)
# The recorder's files and manifest (meshcall-record@.service's Documentation=).
install(FILES docs/recording.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME meshcall)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# No list address exists yet: a placeholder under .invalid (RFC 2606) until one does.
set(MESHCALL_DEB_MAINTAINER "meshcall developers <meshcall@meshcall.invalid>" CACHE STRING
    "The Maintainer of the Debian package")
set(CPACK_PACKAGE_CONTACT "${MESHCALL_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "mesh video calls for terminals, kiosks and headless bots")
# CPack writes the summary as the first line, this under it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "meshcall puts 2 to 6 people in an audio and video call in which every\n"
  "participant connects directly to every other one (WebRTC through\n"
  "GStreamer). It draws the others in a window, or in the terminal when\n"
  "there is no display, and ships its own LAN signaling server.\n"
  "\n"
  "The package includes meshcall-kiosk.service, a systemd unit that keeps a\n"
  "screen in one call unattended (watchdog, restarts, a status endpoint), and\n"
  "meshcall-record@.service, a bot that records a call for days.")
string(REPLACE ";" "" CPACK_DEBIAN_PACKAGE_DESCRIPTION "${CPACK_DEBIAN_PACKAGE_DESCRIPTION}")
set(CPACK_DEBIAN_PACKAGE_RELEASE ${MESHCALL_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What the binary finds at run time rather than links: GStreamer's
# elements (webrtcbin and libnice, VP8/Opus, capture), the font, and what the
# maintainer scripts call.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "adduser, init-system-helpers (>= 1.52), gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad, gstreamer1.0-nice, fonts-dejavu-core")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gstreamer1.0-alsa, gstreamer1.0-pulseaudio")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gstreamer1.0-plugins-ugly, gstreamer1.0-libav")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles
  ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
  ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
  ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_INSTALL_DIRECTORY meshcall)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
include(CPack)
