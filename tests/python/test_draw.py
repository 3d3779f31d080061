"""cnn.draw: pycaffe's draw_net_to_file over Graphviz, from a NetParameter."""
import os
import shutil
import subprocess
import unittest

from google.protobuf import text_format

import cnn
import cnn.draw
from cnn.proto import cnn_pb2
from cnn_test_util import SOURCE_DIR, ScratchTestCase


def lenet(name='train_test.prototxt'):
    net = cnn_pb2.NetParameter()
    with open(os.path.join(SOURCE_DIR, 'models', 'lenet', name)) as f:
        text_format.Merge(f.read(), net)
    return net


class TestDraw(ScratchTestCase):
    def test_dot_source_follows_the_prototxt(self):
        source = cnn.draw.get_dot_source(lenet(), 'TB', phase=cnn.TEST)
        self.assertTrue(source.startswith('digraph "LeNet" {\n  rankdir=TB;'), source[:80])
        self.assertIn('label="conv1\\nConvolution\\nkernel 5 stride 1 pad 0, 20 out"', source)
        self.assertIn('label="pool1\\nPooling\\nMAX kernel 2 stride 2 pad 0"', source)
        self.assertIn('layer_6 [label="relu1\\nReLU", style="rounded,filled,dashed"', source)
        self.assertIn('layer_5 -> layer_6 [label="ip1 (in place)", style=dashed];', source)
        # LeNet's two data layers (both "fmnist") are one per phase, as pycaffe's phase filter keeps them.
        self.assertEqual(source.count('label="fmnist\\nData'), 1)
        self.assertEqual(cnn.draw.get_dot_source(lenet()).count('label="fmnist\\nData'), 2)
        # Graphviz reads it (dot -Tcanon fails on a syntax error).
        if shutil.which('dot'):
            proc = subprocess.run(['dot', '-Tcanon'], input=source.encode(), capture_output=True)
            self.assertEqual(proc.returncode, 0, proc.stderr)
        with self.assertRaises(ValueError):
            cnn.draw.get_dot_source(lenet(), 'UP')

    def test_outputs_are_what_nothing_reads(self):
        source = cnn.draw.get_dot_source(lenet('deploy.prototxt'))
        outputs = [l for l in source.splitlines() if l.startswith('  output_')]
        self.assertEqual(len(outputs), 1, source)
        self.assertIn('label="prob"', outputs[0])

    @unittest.skipUnless(shutil.which('dot'), "Graphviz's dot is not installed")
    def test_draw_net_to_file_writes_a_png_and_svg(self):
        png = os.path.join(self.dir, 'lenet.png')
        cnn.draw.draw_net_to_file(lenet(), png, 'LR', phase=cnn.TRAIN)
        with open(png, 'rb') as f:
            self.assertEqual(f.read(8), b'\x89PNG\r\n\x1a\n')
        svg = cnn.draw.draw_net(lenet(), ext='svg').decode()
        self.assertIn('<svg', svg)
        self.assertIn('conv1', svg)
        with self.assertRaises(RuntimeError) as ctx:
            cnn.draw.draw_net(lenet(), ext='nosuchformat')
        self.assertIn("Graphviz's `dot` failed", str(ctx.exception))


if __name__ == '__main__':
    unittest.main()
