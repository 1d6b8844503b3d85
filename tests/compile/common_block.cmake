# SPDX-License-Identifier: MIT
# cmake -P script for the test headers_share_one_common_block: the text between the lines holding
# "ringq:common-begin" and "ringq:common-end" must be the same in spsc.h and mpmc.h.
#   -DSPSC=<spsc.h> -DMPMC=<mpmc.h> -DWORK_DIR=<dir for the extracted blocks, kept for diffing>
cmake_minimum_required(VERSION 3.16)

foreach(var SPSC MPMC WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "common_block.cmake: -D${var}=... is required")
  endif()
endforeach()

# common_block(<header> <out-var>): the lines strictly between the two marker lines; each marker
# must occur exactly once, begin before end.
function(common_block header out)
  file(READ "${header}" text)
  foreach(marker begin end)
    string(FIND "${text}" "ringq:common-${marker}" first)
    string(FIND "${text}" "ringq:common-${marker}" last REVERSE)
    if(first EQUAL -1)
      message(FATAL_ERROR "${header}: no line contains ringq:common-${marker}")
    endif()
    if(NOT first EQUAL last)
      message(FATAL_ERROR "${header}: ringq:common-${marker} occurs more than once")
    endif()
    set(${marker} ${first})
  endforeach()
  if(NOT begin LESS end)
    message(FATAL_ERROR "${header}: ringq:common-end comes before ringq:common-begin")
  endif()
  # The block starts after the newline that ends the begin line...
  string(SUBSTRING "${text}" ${begin} -1 rest)
  string(FIND "${rest}" "\n" nl)
  math(EXPR start "${begin} + ${nl} + 1")
  # ...and ends with the newline before the end line.
  string(SUBSTRING "${text}" 0 ${end} before_end)
  string(FIND "${before_end}" "\n" last_nl REVERSE)
  math(EXPR length "${last_nl} + 1 - ${start}")
  if(length LESS 1)
    message(FATAL_ERROR "${header}: the common block is empty")
  endif()
  string(SUBSTRING "${text}" ${start} ${length} block)
  set(${out} "${block}" PARENT_SCOPE)
endfunction()

common_block("${SPSC}" spsc_block)
common_block("${MPMC}" mpmc_block)
file(MAKE_DIRECTORY "${WORK_DIR}")
file(WRITE "${WORK_DIR}/spsc_common_block.txt" "${spsc_block}")
file(WRITE "${WORK_DIR}/mpmc_common_block.txt" "${mpmc_block}")
string(LENGTH "${spsc_block}" spsc_length)

if(NOT spsc_block STREQUAL mpmc_block)
  set(diff_text "")
  find_program(diff_path NAMES diff)
  if(diff_path)
    execute_process(COMMAND "${diff_path}" -u "${WORK_DIR}/spsc_common_block.txt"
                            "${WORK_DIR}/mpmc_common_block.txt" OUTPUT_VARIABLE diff_text)
  endif()
  message(FATAL_ERROR "the common blocks of ${SPSC} and ${MPMC} differ "
                      "(extracted to ${WORK_DIR}/*_common_block.txt):\n${diff_text}")
endif()
message(STATUS "common block identical in both headers (${spsc_length} characters)")
