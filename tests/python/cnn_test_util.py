"""Shared bits of the Python suite: where the sources and the cnn tool are,
scratch directories, and running the tool."""
import os
import shutil
import subprocess
import tempfile
import unittest

SOURCE_DIR = os.environ.get('CNN_SOURCE_DIR', os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..')))
CNN_TOOL = os.environ.get('CNN_TOOL', os.path.join(SOURCE_DIR, 'build', 'tools', 'cnn'))


class ScratchTestCase(unittest.TestCase):
    """A test case with a fresh directory self.dir, removed afterwards."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='cnn_py_')
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path


def run_tool(*args, cwd=None):
    """Runs `cnn ARGS`; returns (exit status, stdout, stderr)."""
    proc = subprocess.run([CNN_TOOL] + list(args), cwd=cwd, capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def tool_error(*args):
    """The one-line message `cnn ARGS` fails with (after 'cnn: error: ')."""
    rc, _, err = run_tool(*args)
    assert rc == 1, 'cnn {} exited with {}'.format(' '.join(args), rc)
    lines = [l for l in err.splitlines() if l.startswith('cnn: error: ')]
    assert len(lines) == 1, err
    return lines[0][len('cnn: error: '):]
