# FindCAF: Debian's libcaf-dev (0.17.x) ships no CMake package and its only
# "caf.pc" on the system belongs to Co-Array Fortran, so we look the files up.
# Defines CAF::<component> imported targets (core, io, openssl) and CAF_VERSION.
find_path(CAF_INCLUDE_DIR caf/all.hpp)
if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_v REGEX "^#define CAF_VERSION [0-9]+")
  string(REGEX MATCH "[0-9]+" _caf_v "${_caf_v}")
  math(EXPR _caf_major "${_caf_v} / 10000")
  math(EXPR _caf_minor "(${_caf_v} / 100) % 100")
  math(EXPR _caf_patch "${_caf_v} % 100")
  set(CAF_VERSION "${_caf_major}.${_caf_minor}.${_caf_patch}")
endif()

find_package(Threads REQUIRED)
set(CAF_LIBRARIES "")
foreach(_c IN LISTS CAF_FIND_COMPONENTS)
  find_library(CAF_${_c}_LIBRARY caf_${_c})
  if(CAF_${_c}_LIBRARY)
    set(CAF_${_c}_FOUND TRUE)
    list(APPEND CAF_LIBRARIES "${CAF_${_c}_LIBRARY}")
    if(NOT TARGET CAF::${_c})
      add_library(CAF::${_c} SHARED IMPORTED)
      set_target_properties(CAF::${_c} PROPERTIES
        IMPORTED_LOCATION "${CAF_${_c}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}")
    endif()
  endif()
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF
  REQUIRED_VARS CAF_INCLUDE_DIR CAF_LIBRARIES
  VERSION_VAR CAF_VERSION
  HANDLE_COMPONENTS)

if(TARGET CAF::core)
  set_property(TARGET CAF::core APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
if(TARGET CAF::io)
  set_property(TARGET CAF::io APPEND PROPERTY INTERFACE_LINK_LIBRARIES CAF::core)
endif()
if(TARGET CAF::openssl)
  find_package(OpenSSL REQUIRED)
  set_property(TARGET CAF::openssl APPEND PROPERTY INTERFACE_LINK_LIBRARIES CAF::io OpenSSL::SSL)
endif()
mark_as_advanced(CAF_INCLUDE_DIR)
