# Generates a C++ source holding every migrations/NNNN_name.sql as a keel::data::Migration, so the
# binary carries its schema (one binary, no files to ship). Run at build time by CMake.
#   cmake -DMIGRATIONS_DIR=... -DOUTPUT=... -P EmbedMigrations.cmake
file(GLOB files "${MIGRATIONS_DIR}/*.sql")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  get_filename_component(stem "${f}" NAME_WE)
  string(REGEX MATCH "^([0-9]+)_(.+)$" _ "${stem}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "migration file name must be NNNN_name.sql: ${f}")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  file(READ "${f}" sql)
  string(APPEND body "    {${version}, \"${name}\", R\"keelsql(${sql})keelsql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from apps/shop/migrations by EmbedMigrations.cmake. Do not edit.
#include \"migrations/migrations.hpp\"

namespace shop {

std::span<const keel::data::Migration> Migrations() {
  static const keel::data::Migration kMigrations[] = {
${body}  };
  return kMigrations;
}

}  // namespace shop
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
