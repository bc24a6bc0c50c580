// The libFuzzer entry point of one fuzz_<name> executable: the body is picked
// at compile time (LASTGRAM_FUZZ_ENTRY, fuzz/CMakeLists.txt).

#include <cstddef>
#include <cstdint>

#include "fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  LASTGRAM_FUZZ_ENTRY(data, size);
  return 0;
}
