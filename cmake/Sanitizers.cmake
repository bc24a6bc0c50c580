# LASTGRAM_SANITIZE=ON builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer; CI runs the whole test suite in that configuration.
option(LASTGRAM_SANITIZE "Build with ASan + UBSan" OFF)
if(LASTGRAM_SANITIZE)
  # vptr checks need the typeinfo of SOCI's internal classes, which Debian's
  # libsoci_core does not export: the rest of UBSan stays on.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=vptr
                      -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined -fno-sanitize=vptr)
endif()
