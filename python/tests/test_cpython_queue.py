# SPDX-License-Identifier: MIT
"""CPython's own tests of queue.Queue (Debian's libpython3.11-testsuite, test/test_queue.py) run
against ringq.Queue: its QueueTest (FIFO) and BaseSimpleQueueTest classes, with the module under
test replaced by a shim whose Queue is ringq.Queue. Not run: the LifoQueue and PriorityQueue
classes, FailingQueueTest (a subclass overriding _put/_get, hooks ringq.Queue does not call) and
CSimpleQueueTest (tests of the C SimpleQueue only)."""
import queue
import types
import unittest

from test import test_queue as cpython

import ringq

shim = types.ModuleType("ringq_queue_shim")
shim.Queue = ringq.Queue
shim.Full = queue.Full
shim.Empty = queue.Empty


class RingqQueueTest(cpython.QueueTest, unittest.TestCase):
    queue = shim


class RingqSimpleQueueTest(cpython.BaseSimpleQueueTest, unittest.TestCase):
    queue = shim

    def setUp(self):
        self.type2test = shim.Queue
        super().setUp()


if __name__ == "__main__":
    unittest.main()
