# FindSOCI: Debian's libsoci-dev (4.0.x) installs no usable CMake package.
# Defines SOCI::core and SOCI::<backend> for each requested backend component
# (sqlite3, postgresql, ...), each backend linking SOCI::core.
find_path(SOCI_INCLUDE_DIR soci/soci.h)
find_library(SOCI_core_LIBRARY soci_core)
if(SOCI_INCLUDE_DIR AND EXISTS "${SOCI_INCLUDE_DIR}/soci/version.h")
  file(STRINGS "${SOCI_INCLUDE_DIR}/soci/version.h" _soci_v REGEX "^#define SOCI_VERSION [0-9]+")
  string(REGEX MATCH "[0-9]+" _soci_v "${_soci_v}")
  if(_soci_v)
    math(EXPR _soci_major "${_soci_v} / 100000")
    math(EXPR _soci_minor "(${_soci_v} / 100) % 1000")
    math(EXPR _soci_patch "${_soci_v} % 100")
    set(SOCI_VERSION "${_soci_major}.${_soci_minor}.${_soci_patch}")
  endif()
endif()
if(SOCI_core_LIBRARY AND NOT TARGET SOCI::core)
  add_library(SOCI::core SHARED IMPORTED)
  set_target_properties(SOCI::core PROPERTIES
    IMPORTED_LOCATION "${SOCI_core_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
endif()
set(SOCI_LIBRARIES "${SOCI_core_LIBRARY}")
foreach(_b IN LISTS SOCI_FIND_COMPONENTS)
  if(_b STREQUAL "core")
    set(SOCI_core_FOUND TRUE)
    continue()
  endif()
  find_library(SOCI_${_b}_LIBRARY soci_${_b})
  if(SOCI_${_b}_LIBRARY)
    set(SOCI_${_b}_FOUND TRUE)
    list(APPEND SOCI_LIBRARIES "${SOCI_${_b}_LIBRARY}")
    if(NOT TARGET SOCI::${_b})
      add_library(SOCI::${_b} SHARED IMPORTED)
      set_target_properties(SOCI::${_b} PROPERTIES
        IMPORTED_LOCATION "${SOCI_${_b}_LIBRARY}"
        INTERFACE_LINK_LIBRARIES SOCI::core)
      if(_b STREQUAL "postgresql")
        # soci-postgresql.h includes libpq-fe.h, which Debian keeps apart.
        find_path(SOCI_PQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql)
        if(SOCI_PQ_INCLUDE_DIR)
          set_property(TARGET SOCI::postgresql APPEND PROPERTY
            INTERFACE_INCLUDE_DIRECTORIES "${SOCI_PQ_INCLUDE_DIR}")
        endif()
      endif()
    endif()
  endif()
endforeach()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SOCI
  REQUIRED_VARS SOCI_INCLUDE_DIR SOCI_core_LIBRARY
  VERSION_VAR SOCI_VERSION
  HANDLE_COMPONENTS)
mark_as_advanced(SOCI_INCLUDE_DIR SOCI_core_LIBRARY)
