# Generates a C++ source defining `std::string_view <FUNCTION>()` that returns the content of a
# text file, so the binary carries it (one binary, no files to ship). Run at build time by CMake.
#   cmake -DINPUT=... -DOUTPUT=... -DHEADER=... -DNAMESPACE=... -DFUNCTION=... -P EmbedText.cmake
file(READ "${INPUT}" text)
string(FIND "${text}" ")keeltext\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )keeltext\"")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by EmbedText.cmake. Do not edit.
#include \"${HEADER}\"

namespace ${NAMESPACE} {

std::string_view ${FUNCTION}() {
  static constexpr std::string_view kText = R\"keeltext(${text})keeltext\";
  return kText;
}

}  // namespace ${NAMESPACE}
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
