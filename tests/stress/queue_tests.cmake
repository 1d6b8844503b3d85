# SPDX-License-Identifier: MIT
# Stress tests of the blocking layer (queue.h), plain executables linked with ringq_testable (the
# wait-protocol test hooks). One CTest entry per configuration group: `<exe> <group>` (see --list).
#   queue_pingpong_*  lost-wake-up hunt: capacity-1 hand-offs with yields and sleeps injected
#                     between the protocol's steps, under a watchdog
#   queue_stress_*    producers x consumers with blocking, non-blocking and timed operations mixed;
#                     conservation, order, task_done/join, shutdown while busy
foreach(group spsc mpmc 2x2)
  ringq_plain_test(queue_pingpong_${group} 300 SOURCES queue_pingpong.c ARGS ${group})
endforeach()
foreach(group spsc 2x2 4x4)
  ringq_plain_test(queue_stress_${group} 300 SOURCES queue_stress.c ARGS ${group})
endforeach()
# Wake one waiter, not all, with pass-on: one item per round among blocking getters and waiters
# that time out, leave for another queue (get_any / wait_any) or are cancelled (queue_wake_one.c).
foreach(group mpmc mpmc-inject)
  ringq_plain_test(queue_wake_one_${group} 300 SOURCES queue_wake_one.c ARGS ${group})
endforeach()
