# mc_library(NAME SOURCES... [DEPS mc_lib...] [PKG PkgConfig::X...])
#
# One folder of src/ is one static library. DEPS are the meshcall libraries
# it may use (the layers below it, docs/architecture.md); PKG the system
# libraries it may use. Both are PUBLIC, so whoever links it links them too.
#
# The layering is enforced at link time: for every library a shared object
# is also linked from the whole archive with -Wl,--no-undefined and nothing
# but the declared dependencies. A call into a layer that is not declared
# (the call library using SDL, the server using GStreamer) has no definition
# there and fails the build with "undefined reference".
function(mc_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PKG" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} ${ARG_PKG})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(MESHCALL_LAYER_CHECK)
    set(check ${name}_layer_check)
    add_library(${check} SHARED ${CMAKE_SOURCE_DIR}/cmake/layer_check.c)
    target_link_libraries(${check} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${name}>")
    target_link_options(${check} PRIVATE -Wl,--no-undefined)
    set_target_properties(${check} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/layer-check)
    add_dependencies(mc_layer_check ${check})
  endif()
endfunction()
