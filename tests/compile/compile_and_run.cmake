# SPDX-License-Identifier: MIT
# cmake -P script behind the compile tests: compile one source with one compiler now, at test time
# (so a missing compiler fails the test instead of skipping it), then run the program.
#
#   -DCOMPILER=<name or path>   looked up with find_program when the test runs
#   -DFLAGS=<flags>             one string, split like a shell command line
#   -DSOURCE=<file>             the program (it returns 0 when its own checks pass)
#   -DWORK_DIR=<dir>            emptied and recreated; holds the executable
#   -DINCLUDE_DIR=<dir>         the include path (ignored with COPY_HEADER)
#   -DCOPY_HEADER=<file>        "copied alone": copy only this header and SOURCE (as main.c or
#                               main.cpp) into WORK_DIR and make WORK_DIR the only include path
cmake_minimum_required(VERSION 3.16)

foreach(var COMPILER FLAGS SOURCE WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "compile_and_run.cmake: -D${var}=... is required")
  endif()
endforeach()

find_program(compiler_path NAMES ${COMPILER})
if(NOT compiler_path)
  message(FATAL_ERROR "compiler '${COMPILER}' not found: this test needs it installed")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

if(DEFINED COPY_HEADER)
  get_filename_component(ext "${SOURCE}" LAST_EXT)
  file(COPY "${COPY_HEADER}" DESTINATION "${WORK_DIR}")
  configure_file("${SOURCE}" "${WORK_DIR}/main${ext}" COPYONLY)
  set(src "${WORK_DIR}/main${ext}")
  set(include_dir "${WORK_DIR}")
  file(GLOB copied RELATIVE "${WORK_DIR}" "${WORK_DIR}/*")
  message(STATUS "fresh directory ${WORK_DIR} holds only: ${copied}")
else()
  if(NOT DEFINED INCLUDE_DIR)
    message(FATAL_ERROR "compile_and_run.cmake: -DINCLUDE_DIR=... is required")
  endif()
  set(src "${SOURCE}")
  set(include_dir "${INCLUDE_DIR}")
endif()

separate_arguments(flag_list UNIX_COMMAND "${FLAGS}")
set(exe "${WORK_DIR}/program")
set(cmd "${compiler_path}" ${flag_list} "-I${include_dir}" "${src}" -o "${exe}")
string(REPLACE ";" " " cmd_text "${cmd}")
message(STATUS "${cmd_text}")
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compilation failed (${rc}):\n${out}")
endif()
if(NOT out STREQUAL "")
  message(FATAL_ERROR "compilation succeeded but printed diagnostics:\n${out}")
endif()

execute_process(COMMAND "${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${exe} failed (${rc}):\n${out}")
endif()
message(STATUS "ran ${exe}: OK")
