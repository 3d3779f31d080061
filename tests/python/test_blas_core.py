"""The module runs the OpenBLAS kernels the `cnn` tool runs: where OpenBLAS
fell back to a set without AVX2 on a CPU that has AVX2 and FMA, importing
cnn switches to a vector set, as the tool does at start (README, "OpenBLAS's
kernels"); otherwise a net trained here and by `cnn train` differs in its
last bits."""
import ctypes
import os
import re
import subprocess
import unittest

# Read before the import: the module sets it when it switches.
PRESET = 'OPENBLAS_CORETYPE' in os.environ

import cnn  # noqa: E402

VECTOR_CORES = {'haswell', 'excavator', 'zen', 'skylakex', 'cooperlake', 'sapphirerapids'}


def cpu_has_avx2_fma():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    flags = set(line.split(':', 1)[1].split())
                    return 'avx2' in flags and 'fma' in flags
    except OSError:
        pass
    return False


def module_core():
    lib = ctypes.CDLL('libopenblas.so.0')
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return lib.openblas_get_corename().decode()


class TestBlasCore(unittest.TestCase):
    def setUp(self):
        if PRESET:
            self.skipTest('OPENBLAS_CORETYPE was set by the caller')
        if not cpu_has_avx2_fma():
            self.skipTest('this CPU has no AVX2 with FMA')

    def test_the_module_runs_vector_kernels(self):
        self.assertIn(module_core().lower(), VECTOR_CORES)

    def test_the_module_and_the_tool_run_the_same_kernels(self):
        env = {k: v for k, v in os.environ.items() if k != 'OPENBLAS_CORETYPE'}
        out = subprocess.run([os.environ['CNN_TOOL'], 'version'], env=env, capture_output=True, text=True,
                             check=True).stdout
        match = re.search(r'^BLAS: .*; core (\w+)', out, re.M)
        self.assertIsNotNone(match, out)
        self.assertEqual(match.group(1).lower(), module_core().lower())


if __name__ == '__main__':
    unittest.main()
