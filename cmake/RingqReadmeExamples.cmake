# SPDX-License-Identifier: MIT
# Compile and run the README's examples, so the API tour cannot drift from the code. Each example is
# a ```c block preceded by a line `<!-- example: NAME -->`; it becomes build/.../examples/NAME.c,
# an executable linked to ringq::ringq and a CTest test labelled "examples".
function(ringq_readme_examples readme)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${readme})
  file(READ ${readme} text)
  # CMake lists split on ';', which C code is full of: hide them while matching.
  string(REPLACE ";" "@RINGQ_SEMICOLON@" text "${text}")
  string(REGEX MATCHALL "<!-- example: [A-Za-z0-9_]+ -->\n```c\n[^`]*```" blocks "${text}")
  list(LENGTH blocks count)
  if(count EQUAL 0)
    message(FATAL_ERROR "no examples found in ${readme}")
  endif()
  foreach(block IN LISTS blocks)
    string(REGEX REPLACE "^<!-- example: ([A-Za-z0-9_]+) -->.*" "\\1" name "${block}")
    string(REGEX REPLACE "^<!-- example: [A-Za-z0-9_]+ -->\n```c\n" "" code "${block}")
    string(REGEX REPLACE "```$" "" code "${code}")
    string(REPLACE "@RINGQ_SEMICOLON@" ";" code "${code}")
    set(src ${PROJECT_BINARY_DIR}/examples/${name}.c)
    file(WRITE ${src}.new "${code}")
    configure_file(${src}.new ${src} COPYONLY)
    add_executable(example_${name} ${src})
    target_link_libraries(example_${name} PRIVATE ringq::ringq)
    set_target_properties(example_${name} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON
                          C_EXTENSIONS OFF)
    target_compile_definitions(example_${name} PRIVATE _POSIX_C_SOURCE=200809L)
    ringq_target_warnings(example_${name})
    ringq_target_sanitize(example_${name})
    add_test(NAME example_${name} COMMAND example_${name})
    set_tests_properties(example_${name} PROPERTIES LABELS examples TIMEOUT 60)
  endforeach()
endfunction()
