# keel_module(NAME <m> LAYER <n> [DEPS <m>...] [LIBS <target>...])
#
# One folder = one target keel::<m> = one namespace = one include prefix <keel/<m>/...>.
# - Refuses a dependency on a keel module of the same or a higher layer.
# - Sources: src/*.cpp except *_test.cpp; tests: src/*_test.cpp -> keel_<m>_tests (GoogleTest).
# - Compiles every public header alone (KEEL_CHECK_HEADERS) to prove it is self-contained.
set(KEEL_WARNINGS -Wall -Wextra -Werror -Wpedantic -Wno-missing-field-initializers)
# g++ 12 reports Asio's coroutine frames (allocated and freed by Asio's own operator new/delete
# pair) as mismatched whenever a frame's layout tips its inlining: a false positive that appeared
# in release builds once Response grew a member (docs/architecture.md, "Coroutine rules").
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND KEEL_WARNINGS -Wno-mismatched-new-delete)
endif()

function(keel_module)
  cmake_parse_arguments(M "" "NAME;LAYER" "DEPS;LIBS" ${ARGN})
  set(target keel_${M_NAME})
  foreach(dep IN LISTS M_DEPS)
    get_property(dep_layer GLOBAL PROPERTY KEEL_LAYER_${dep})
    if("${dep_layer}" STREQUAL "")
      message(FATAL_ERROR "keel::${M_NAME}: unknown module '${dep}' (declare lower layers first)")
    endif()
    if(NOT dep_layer LESS M_LAYER)
      message(FATAL_ERROR "keel::${M_NAME} (layer ${M_LAYER}) may not depend on keel::${dep} "
                          "(layer ${dep_layer}): dependencies go downward only")
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY KEEL_LAYER_${M_NAME} ${M_LAYER})

  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  list(FILTER srcs EXCLUDE REGEX "_test\\.cpp$")
  add_library(${target} STATIC ${srcs})
  add_library(keel::${M_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                       PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_options(${target} PRIVATE ${KEEL_WARNINGS})
  set(deps)
  foreach(dep IN LISTS M_DEPS)
    list(APPEND deps keel::${dep})
  endforeach()
  target_link_libraries(${target} PUBLIC ${deps} ${M_LIBS})

  if(KEEL_CHECK_HEADERS)
    file(GLOB_RECURSE headers CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/include/*.hpp)
    set(checks)
    foreach(h IN LISTS headers)
      file(RELATIVE_PATH rel ${CMAKE_CURRENT_SOURCE_DIR}/include ${h})
      string(MAKE_C_IDENTIFIER ${rel} id)
      set(out ${CMAKE_CURRENT_BINARY_DIR}/header_check/${id}.cpp)
      file(CONFIGURE OUTPUT ${out} CONTENT "#include <${rel}>\n")
      list(APPEND checks ${out})
    endforeach()
    if(checks)
      add_library(${target}_header_check OBJECT EXCLUDE_FROM_ALL ${checks})
      target_link_libraries(${target}_header_check PRIVATE ${target})
      target_compile_options(${target}_header_check PRIVATE ${KEEL_WARNINGS})
      add_custom_target(${target}_headers ALL DEPENDS $<TARGET_OBJECTS:${target}_header_check>)
    endif()
  endif()

  if(KEEL_BUILD_TESTS)
    file(GLOB_RECURSE tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*_test.cpp)
    if(tests)
      add_executable(${target}_tests ${tests})
      target_include_directories(${target}_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
      target_compile_options(${target}_tests PRIVATE ${KEEL_WARNINGS})
      target_link_libraries(${target}_tests PRIVATE ${target} keel::testing GTest::gtest GTest::gtest_main)
      include(GoogleTest)
      gtest_discover_tests(${target}_tests DISCOVERY_MODE PRE_TEST
                           PROPERTIES LABELS "unit;${M_NAME}")
    endif()
  endif()
endfunction()
