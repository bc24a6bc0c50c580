# LASTGRAM_FUZZ=ON builds the libFuzzer targets of fuzz/ (with clang only, in a
# build directory of their own: scripts/fuzz.sh uses build-fuzz). Everything
# compiled in that tree is instrumented for coverage and checked by ASan and
# UBSan; the executables link libFuzzer itself (fuzz/CMakeLists.txt).
option(LASTGRAM_FUZZ "Build the libFuzzer targets (clang)" OFF)
if(LASTGRAM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LASTGRAM_FUZZ=ON needs clang (-DCMAKE_CXX_COMPILER=clang++)")
  endif()
  if(LASTGRAM_SANITIZE)
    message(FATAL_ERROR "LASTGRAM_FUZZ=ON brings its own sanitizers; leave LASTGRAM_SANITIZE off")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -O1 -g
                      -fsanitize-ignorelist=${CMAKE_SOURCE_DIR}/fuzz/sanitizer-ignorelist.txt
                      # Warnings.cmake speaks gcc (-Wshadow=local).
                      -Wno-unknown-warning-option)
  add_link_options(-fsanitize=address,undefined)
endif()
