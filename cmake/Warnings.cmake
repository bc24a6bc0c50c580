# Project-wide warnings. LASTGRAM_WERROR (on in CI) turns them into errors.
option(LASTGRAM_WERROR "Treat warnings as errors" OFF)
function(lastgram_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
    -Wnon-virtual-dtor -Wno-unused-parameter)
  if(LASTGRAM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
