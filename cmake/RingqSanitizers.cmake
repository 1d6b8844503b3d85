# SPDX-License-Identifier: MIT
# RINGQ_SANITIZE: '' (none), 'address' (AddressSanitizer + UndefinedBehaviorSanitizer) or
# 'thread' (ThreadSanitizer). Applied per target, never to global flags.
set(_ringq_san_ok "" address thread)
if(NOT RINGQ_SANITIZE IN_LIST _ringq_san_ok)
  message(FATAL_ERROR "RINGQ_SANITIZE must be '', 'address' or 'thread', not '${RINGQ_SANITIZE}'")
endif()

function(ringq_target_sanitize target)
  if(RINGQ_SANITIZE STREQUAL "address")
    set(_f -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  elseif(RINGQ_SANITIZE STREQUAL "thread")
    set(_f -fsanitize=thread -fno-omit-frame-pointer)
  else()
    return()
  endif()
  target_compile_options(${target} PRIVATE ${_f})
  target_link_options(${target} PUBLIC ${_f})
endfunction()
