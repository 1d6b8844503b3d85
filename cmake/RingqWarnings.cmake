# SPDX-License-Identifier: MIT
# Warnings as errors for ringq's own targets only (never global flags: add_subdirectory safe).
function(ringq_target_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<OR:$<C_COMPILER_ID:GNU>,$<C_COMPILER_ID:Clang>>:-Wall -Wextra -Werror>
    $<$<OR:$<CXX_COMPILER_ID:GNU>,$<CXX_COMPILER_ID:Clang>>:-Wall -Wextra -Werror>)
endfunction()
