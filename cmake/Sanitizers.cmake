# LASTGRAM_SANITIZE=ON builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer; CI runs the whole test suite in that configuration.
option(LASTGRAM_SANITIZE "Build with ASan + UBSan" OFF)
if(LASTGRAM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
