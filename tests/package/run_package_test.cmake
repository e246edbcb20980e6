# The package test (cmake -P): install the build tree into a fresh prefix, then build and run a
# consumer against that prefix only, twice: with find_package(ocsp CONFIG) and with pkg-config.
#
#   cmake -DBUILD_DIR=<libocsp build tree> -DSOURCE_DIR=<this directory> -DWORK_DIR=<scratch>
#         -DGENERATOR=<generator> -DCXX_COMPILER=<c++> -DPKI_DIR=<test PKI>
#         [-DCONFIG=<configuration to install, multi-config build trees>] [-DPKG_CONFIG=<pkg-config>]
#         -P run_package_test.cmake
#
# Every step that fails stops the test with the step's command line and its complete output.
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER PKI_DIR)
  if("${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_package_test.cmake: -D${var}=... is required")
  endif()
endforeach()
foreach(file IN ITEMS "${PKI_DIR}/proxy.pem" "${PKI_DIR}/ca.pem" "${SOURCE_DIR}/CMakeLists.txt" "${SOURCE_DIR}/consumer.cpp")
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "run_package_test.cmake: ${file} does not exist (is the pki_setup fixture run?)")
  endif()
endforeach()

string(TIMESTAMP started "%s")
set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/consumer-build")
set(pkgconfig_build "${WORK_DIR}/pkgconfig-build")
cmake_path(ABSOLUTE_PATH SOURCE_DIR NORMALIZE OUTPUT_VARIABLE source_dir)
cmake_path(GET source_dir PARENT_PATH tests_dir)
cmake_path(GET tests_dir PARENT_PATH project_source_dir)  # tests/package -> the project root

# Nothing from the caller's environment may point the consumer at another copy of libocsp.
foreach(var IN ITEMS CMAKE_PREFIX_PATH ocsp_DIR ocsp_ROOT OCSP_ROOT PKG_CONFIG_PATH CPATH CPLUS_INCLUDE_PATH LIBRARY_PATH)
  unset(ENV{${var}})
endforeach()

# fail(<summary> [<details>]): stops the test. The details (command output, file contents) go to
# stderr verbatim; message(FATAL_ERROR) would re-wrap them.
function(fail summary)
  if(ARGC GREATER 1)
    message(NOTICE "----- details -----\n${ARGV1}\n-------------------")
  endif()
  message(FATAL_ERROR "package test: ${summary}")
endfunction()

# run_step(<description> COMMAND <command...> [OUTPUT_VARIABLE <var>] [TIMEOUT <seconds>])
# Runs the command; on a non-zero exit (or a timeout) fails the test with the command and its
# merged stdout+stderr. The output is returned in <var> when asked for.
function(run_step description)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT_VARIABLE;TIMEOUT;WORKING_DIRECTORY" "COMMAND")
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 300)
  endif()
  if(NOT arg_WORKING_DIRECTORY)
    set(arg_WORKING_DIRECTORY "${WORK_DIR}")
  endif()
  list(JOIN arg_COMMAND " " printable)
  message(STATUS "package test: ${description}\n   $ ${printable}")
  execute_process(COMMAND ${arg_COMMAND}
    WORKING_DIRECTORY "${arg_WORKING_DIRECTORY}"
    TIMEOUT ${arg_TIMEOUT}
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output)
  if(NOT rc STREQUAL "0")
    fail("${description} FAILED (exit: ${rc}); the command's output is above.\n  command: ${printable}"
      "${output}")
  endif()
  if(arg_OUTPUT_VARIABLE)
    set(${arg_OUTPUT_VARIABLE} "${output}" PARENT_SCOPE)
  endif()
endfunction()

# run_consumer(<description> <executable> <state dir> <expected api line>)
# Runs a consumer with the test PKI and a fresh state directory and checks its exit code and output.
function(run_consumer description executable state_dir api_line)
  if(NOT EXISTS "${executable}")
    fail("${description}: ${executable} was not built")
  endif()
  run_step("${description}"
    COMMAND "${executable}" "${PKI_DIR}/proxy.pem" "${PKI_DIR}/ca.pem" "${state_dir}"
    TIMEOUT 60
    OUTPUT_VARIABLE output)
  foreach(expected IN ITEMS "consumer: ${api_line}" "consumer: ok")
    string(FIND "${output}" "${expected}\n" at)
    if(at EQUAL -1)
      fail("${description}: exit code 0 but the output lacks the line '${expected}' (output above)" "${output}")
    endif()
  endforeach()
  if(NOT EXISTS "${state_dir}/ocsp-config.json")
    fail("${description}: no ${state_dir}/ocsp-config.json was written")
  endif()
  message(STATUS "package test: ${description}: ok\n${output}")
endfunction()

# ---------------------------------------------------------------------------------------------
# 1. Install into an empty prefix.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(install_config)
if(CONFIG)
  set(install_config --config "${CONFIG}")
endif()
run_step("install ${BUILD_DIR} into ${prefix}"
  COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${install_config})

# The install libdir: lib, lib64 or lib/<multiarch>, wherever the package files went.
file(GLOB_RECURSE config_files LIST_DIRECTORIES false "${prefix}/*/ocsp-config.cmake")
file(GLOB_RECURSE pc_files LIST_DIRECTORIES false "${prefix}/*/ocsp.pc")
list(LENGTH config_files config_count)
list(LENGTH pc_files pc_count)
if(NOT config_count EQUAL 1 OR NOT pc_count EQUAL 1)
  file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
  list(JOIN installed "\n  " installed)
  fail("expected one ocsp-config.cmake and one ocsp.pc under ${prefix}; found ${config_count} and "
    "${pc_count} (installed files above)" "${installed}")
endif()
cmake_path(GET pc_files PARENT_PATH pc_dir)   # <libdir>/pkgconfig
cmake_path(GET pc_dir PARENT_PATH libdir)
cmake_path(GET config_files PARENT_PATH config_dir)
message(STATUS "package test: installed libdir is ${libdir}")

set(required_files
  "${prefix}/include/ocsp/certificate.hpp"
  "${prefix}/include/ocsp/config_store.hpp"
  "${prefix}/include/ocsp/error.hpp"
  "${prefix}/include/ocsp/router.hpp"
  "${prefix}/include/ocsp/service.hpp"
  "${prefix}/include/ocsp/state_dir.hpp"
  "${prefix}/include/ocsp/direct/client.hpp"
  "${libdir}/libocsp.a"
  "${libdir}/libocsp_direct.a"
  "${config_dir}/ocsp-config-version.cmake"
  "${config_dir}/ocsp-targets.cmake")
foreach(file IN LISTS required_files)
  if(NOT EXISTS "${file}")
    fail("the install did not produce ${file}")
  endif()
endforeach()

# No installed package file may point back into the source or build tree.
file(GLOB package_files "${config_dir}/*.cmake")
list(APPEND package_files "${pc_files}")
foreach(file IN LISTS package_files)
  file(READ "${file}" text)
  string(REPLACE "${prefix}" "<install prefix>" text "${text}")
  foreach(tree IN ITEMS "${project_source_dir}" "${BUILD_DIR}")
    string(FIND "${text}" "${tree}" at)
    if(NOT at EQUAL -1)
      fail("the installed ${file} refers to ${tree}, which is not part of the install (file above)" "${text}")
    endif()
  endforeach()
endforeach()

file(STRINGS "${config_dir}/ocsp-config-version.cmake" version_line REGEX "^set\\(PACKAGE_VERSION \"")
string(REGEX REPLACE "^set\\(PACKAGE_VERSION \"([^\"]*)\".*$" "\\1" package_version "${version_line}")

# ---------------------------------------------------------------------------------------------
# 2. The CMake consumer: find_package(ocsp 0.1 CONFIG REQUIRED), ocsp::ocsp + ocsp::direct.
run_step("configure the CMake consumer"
  COMMAND "${CMAKE_COMMAND}" -S "${source_dir}" -B "${consumer_build}" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_BUILD_TYPE=Debug
    # Only the prefix may provide ocsp: never the user or system package registry (a build tree
    # registered there would satisfy find_package without any install).
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
    -DCMAKE_FIND_PACKAGE_NO_SYSTEM_PACKAGE_REGISTRY=ON
    -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON)

file(STRINGS "${consumer_build}/CMakeCache.txt" ocsp_dir_line REGEX "^ocsp_DIR:")
string(REGEX REPLACE "^ocsp_DIR:[A-Z]+=" "" found_ocsp_dir "${ocsp_dir_line}")
cmake_path(ABSOLUTE_PATH found_ocsp_dir NORMALIZE)
cmake_path(IS_PREFIX prefix "${found_ocsp_dir}" NORMALIZE found_in_prefix)
if(NOT found_in_prefix)
  fail("the consumer found ocsp in '${found_ocsp_dir}', not in ${prefix}")
endif()

run_step("build the CMake consumer"
  COMMAND "${CMAKE_COMMAND}" --build "${consumer_build}" --config Debug)
file(READ "${consumer_build}/consumer-path-Debug.txt" cmake_consumer)
run_consumer("run the CMake consumer" "${cmake_consumer}" "${WORK_DIR}/state-cmake" "api=ocsp::direct::client")

# ---------------------------------------------------------------------------------------------
# 3. The pkg-config consumer: the same program, compiled and linked with ocsp.pc's flags only.
if(NOT PKG_CONFIG)
  find_program(PKG_CONFIG NAMES pkg-config pkgconf)
endif()
if(NOT PKG_CONFIG)
  message(FATAL_ERROR "package test: pkg-config (or pkgconf) is needed to test ocsp.pc and was not found")
endif()
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")

run_step("pkg-config --modversion ocsp"
  COMMAND "${PKG_CONFIG}" --print-errors --modversion ocsp
  OUTPUT_VARIABLE pc_version)
string(STRIP "${pc_version}" pc_version)
if(NOT pc_version STREQUAL package_version)
  fail("ocsp.pc says version '${pc_version}', the CMake package '${package_version}'")
endif()

# Without --static: the library is static-only, so a plain `pkg-config --libs` must already link.
run_step("pkg-config --cflags --libs ocsp"
  COMMAND "${PKG_CONFIG}" --print-errors --cflags --libs ocsp
  OUTPUT_VARIABLE pc_flags)
string(STRIP "${pc_flags}" pc_flags)
message(STATUS "package test: ocsp.pc flags: ${pc_flags}")
separate_arguments(pc_flags_list UNIX_COMMAND "${pc_flags}")

# The flags must point into the prefix the package was installed to: a .pc that names its
# configure-time prefix (CMAKE_INSTALL_PREFIX) breaks every relocated or staged install.
set(pc_dirs)  # the -I and -L flags, their paths normalised (a relocatable .pc gives .../pkgconfig/../..)
foreach(flag IN LISTS pc_flags_list)
  if(flag MATCHES "^-([IL])(.+)$")
    set(kind "${CMAKE_MATCH_1}")
    set(dir "${CMAKE_MATCH_2}")
    cmake_path(NORMAL_PATH dir)
    string(REGEX REPLACE "(.)/$" "\\1" dir "${dir}")
    list(APPEND pc_dirs "-${kind}${dir}")
  endif()
endforeach()
foreach(expected IN ITEMS "-I${prefix}/include" "-L${libdir}")
  if(NOT expected IN_LIST pc_dirs)
    file(READ "${pc_files}" pc_text)
    fail("ocsp.pc installed in ${pc_dir} gives '${pc_flags}', without ${expected}: it does not point at its own "
      "install prefix (ocsp.pc is not relocatable: derive prefix from \${pcfiledir}). ${pc_files} is above."
      "${pc_text}")
  endif()
endforeach()

file(MAKE_DIRECTORY "${pkgconfig_build}")
set(pkgconfig_consumer "${pkgconfig_build}/ocsp_consumer")
run_step("compile and link the consumer with the ocsp.pc flags"
  COMMAND "${CXX_COMPILER}" -std=c++20 -Wall -Wextra -Wpedantic -Werror
    "${source_dir}/consumer.cpp" -o "${pkgconfig_consumer}" ${pc_flags_list}
  WORKING_DIRECTORY "${pkgconfig_build}")
run_consumer("run the pkg-config consumer" "${pkgconfig_consumer}" "${WORK_DIR}/state-pkgconfig"
  "api=ocsp::router + ocsp::service")

string(TIMESTAMP finished "%s")
math(EXPR seconds "${finished} - ${started}")
message(STATUS "package test: passed in ${seconds} s (find_package(ocsp ${package_version} CONFIG) and pkg-config)")
