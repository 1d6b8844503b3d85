# SPDX-License-Identifier: MIT
# cmake -P script behind the unused-result compile tests: compile one source to an object file (it
# calls queue.h functions and links nothing, so it is not run) and count the diagnostics that name
# -Wunused-result.
#
#   -DCOMPILER=<name or path>   looked up with find_program when the test runs
#   -DFLAGS=<flags>             one string, split like a shell command line (include -Werror)
#   -DSOURCE=<file>  -DINCLUDE_DIR=<dir>  -DWORK_DIR=<dir> (emptied and recreated)
#   -DEXPECT=<n>                0: the compile must succeed and print nothing; n > 0: it must fail
#                               and print exactly n unused-result diagnostics, and nothing else
#                               that is an error or a warning
cmake_minimum_required(VERSION 3.16)

foreach(var COMPILER FLAGS SOURCE INCLUDE_DIR WORK_DIR EXPECT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "unused_result.cmake: -D${var}=... is required")
  endif()
endforeach()

find_program(compiler_path NAMES ${COMPILER})
if(NOT compiler_path)
  message(FATAL_ERROR "compiler '${COMPILER}' not found: this test needs it installed")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

separate_arguments(flag_list UNIX_COMMAND "${FLAGS}")
set(cmd "${compiler_path}" ${flag_list} "-I${INCLUDE_DIR}" -c "${SOURCE}" -o "${WORK_DIR}/out.o")
string(REPLACE ";" " " cmd_text "${cmd}")
message(STATUS "${cmd_text}")
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)

if(EXPECT EQUAL 0)
  if(NOT rc EQUAL 0 OR NOT out STREQUAL "")
    message(FATAL_ERROR "expected a clean compile, got (${rc}):\n${out}")
  endif()
  message(STATUS "compiled without diagnostics, as expected")
  return()
endif()

# Diagnostic lines: "file:line:col: error|warning: ... [-W...unused-result]". Anything else that is
# an error or a warning means the source is broken, not that the check works.
string(REGEX MATCHALL "[^\n]*: (error|warning): [^\n]*" diagnostics "${out}")
set(found 0)
set(other "")
foreach(line IN LISTS diagnostics)
  if(line MATCHES "unused-result")
    math(EXPR found "${found} + 1")
  else()
    string(APPEND other "${line}\n")
  endif()
endforeach()
if(rc EQUAL 0)
  message(FATAL_ERROR "expected the compile to fail (-Werror) on ignored results; it succeeded:\n"
                      "${out}")
endif()
if(NOT other STREQUAL "" OR NOT found EQUAL EXPECT)
  message(FATAL_ERROR "expected ${EXPECT} unused-result diagnostics and no other, got ${found}:\n"
                      "${out}")
endif()
message(STATUS "${found} unused-result diagnostics, as expected:\n${out}")
