# SPDX-License-Identifier: MIT
"""python/examples: each program runs on ringq and checks its own result; a program whose import
line carries a `# stdlib: ...` comment also runs with that import instead (queue.Queue,
asyncio.Queue) and must print the same thing: the programs differ only in that line."""
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import unittest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
SCALE = int(os.environ.get("RINGQ_TIMEOUT_SCALE", "1"))


def run(path):
    p = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                       timeout=120 * SCALE)
    return p.returncode, p.stdout, p.stderr


class ExamplesTest(unittest.TestCase):
    def test_examples(self):
        programs = sorted(EXAMPLES.glob("*.py"))
        self.assertGreaterEqual(len(programs), 3)
        compared = 0
        for path in programs:
            with self.subTest(example=path.name):
                rc, out, err = run(path)
                self.assertEqual(rc, 0, err)
                self.assertTrue(out.strip())
                text = path.read_text()
                lines = [l for l in text.splitlines() if "# stdlib: " in l]
                if not lines:
                    continue
                self.assertEqual(len(lines), 1)
                self.assertRegex(lines[0], r"^from ringq import ")
                stdlib = re.sub(r"^.*# stdlib: (.*)$", r"\1", lines[0])
                with tempfile.TemporaryDirectory() as d:
                    other = pathlib.Path(d) / path.name
                    other.write_text(text.replace(lines[0], stdlib))
                    rc2, out2, err2 = run(other)
                self.assertEqual(rc2, 0, err2)
                self.assertEqual(out2, out)
                compared += 1
        self.assertGreaterEqual(compared, 2)


if __name__ == "__main__":
    unittest.main()
