"""README's Python walk-through (classifying Fashion-MNIST, net surgery),
its code blocks taken from README.md and run as they stand, from a scratch
copy of the repository's LeNet files with weights from a short `cnn train`."""
import contextlib
import io
import os
import re
import shutil
import subprocess
import unittest

import numpy as np

from cnn_test_util import CNN_TOOL, SOURCE_DIR, ScratchTestCase

IDX = '/usr/share/datasets/fashion-mnist/'
HEADING = '### Walk-through: classifying Fashion-MNIST from Python'


def walkthrough_blocks():
    """The indented code blocks of README's walk-through section."""
    with open(os.path.join(SOURCE_DIR, 'README.md')) as f:
        readme = f.read()
    start = readme.index(HEADING)
    end = readme.index('\n#', start + len(HEADING))
    blocks, current = [], []
    for line in readme[start:end].splitlines() + ['']:
        if line.startswith('    ') or (current and not line.strip()):
            current.append(line[4:])
        elif current:
            blocks.append('\n'.join(current).strip('\n') + '\n')
            current = []
    return [b for b in blocks if b.strip()]


@unittest.skipUnless(os.path.exists(IDX + 't10k-images-idx3-ubyte.gz'), 'dataset-fashion-mnist is not installed')
class TestReadmeWalkthrough(ScratchTestCase):
    def short_training(self):
        """models/lenet/snapshots/lenet_iter_10000.caffemodel (where README
        reads it) from 300 iterations of LeNet's own solver."""
        for name in ('deploy.prototxt', 'train_test.prototxt', 'solver.prototxt'):
            os.makedirs(os.path.join(self.dir, 'models', 'lenet', 'snapshots'), exist_ok=True)
            shutil.copy(os.path.join(SOURCE_DIR, 'models', 'lenet', name), os.path.join(self.dir, 'models', 'lenet'))
        data = os.path.join(self.dir, 'data', 'fashion-mnist')
        os.makedirs(data)
        shutil.copy(os.path.join(SOURCE_DIR, 'data', 'fashion-mnist', 'convert.sh'), data)
        env = dict(os.environ, CNN=os.path.abspath(CNN_TOOL))
        subprocess.run(['bash', os.path.join(data, 'convert.sh')], check=True, env=env, capture_output=True)
        solver = os.path.join(self.dir, 'models', 'lenet', 'solver.prototxt')
        with open(solver) as f:
            text = f.read()
        text = re.sub(r'max_iter: \d+', 'max_iter: 300', text)
        text = re.sub(r'test_interval: \d+', 'test_interval: 100000', text) + '\ntest_initialization: false\n'
        with open(solver, 'w') as f:
            f.write(text)
        proc = subprocess.run([os.path.abspath(CNN_TOOL), 'train', '--solver=models/lenet/solver.prototxt'],
                              cwd=self.dir, capture_output=True, text=True, timeout=280)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        snapshots = os.path.join(self.dir, 'models', 'lenet', 'snapshots')
        os.rename(os.path.join(snapshots, 'lenet_iter_300.caffemodel'),
                  os.path.join(snapshots, 'lenet_iter_10000.caffemodel'))

    def test_the_blocks_run_and_classify(self):
        blocks = walkthrough_blocks()
        self.assertEqual(len(blocks), 2, blocks)  # classify; surgery and reload
        self.short_training()
        scope, out = {}, io.StringIO()
        cwd = os.getcwd()
        os.chdir(self.dir)
        try:
            with contextlib.redirect_stdout(out):
                for i, block in enumerate(blocks):
                    exec(compile(block, 'README walk-through block {}'.format(i + 1), 'exec'), scope)
        finally:
            os.chdir(cwd)
        printed = out.getvalue()
        # 300 iterations already sort most of Fashion-MNIST (10,000 give 0.90).
        accuracy = float(re.search(r'accuracy on the first 1000 test images: (\S+)', printed).group(1))
        self.assertGreater(accuracy, 0.6, printed)
        self.assertEqual(accuracy, (scope['predicted'] == scope['labels'][:1000]).mean())
        self.assertEqual(scope['probs'].shape, (1000, 10))
        np.testing.assert_allclose(scope['probs'].sum(axis=1), 1, rtol=1e-5)
        self.assertRegex(printed, r"image 0 is a .+ - truly a Ankle boot")
        # The surgery took: no "Bag" answers after it, some before; the file holds the edit.
        bag = scope['bag']
        self.assertGreater((scope['predicted'] == bag).sum(), 0)
        self.assertEqual((scope['predicted_now'] == bag).sum(), 0)
        self.assertEqual(scope['edited'].params['ip2'][1].data[bag], -1e4)
        np.testing.assert_array_equal(scope['edited'].params['ip2'][0].data, scope['net'].params['ip2'][0].data)


if __name__ == '__main__':
    unittest.main()
