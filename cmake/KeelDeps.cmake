# Third-party dependencies, all from Debian 12's apt (scripts/install-deps).
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json url system)
find_package(OpenSSL 3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
find_package(CLI11 CONFIG REQUIRED)
if(KEEL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

# Asio configuration shared by every target that includes Boost.Asio.
add_library(keel_asio INTERFACE)
target_link_libraries(keel_asio INTERFACE Boost::boost Boost::system Threads::Threads)
target_compile_definitions(keel_asio INTERFACE
  BOOST_ASIO_NO_DEPRECATED
  BOOST_ASIO_DISABLE_BOOST_COROUTINE)
