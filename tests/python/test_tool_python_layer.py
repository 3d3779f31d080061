"""Python layers in the `cnn` tool (train, test, time): a Python Euclidean
loss gives the C++ EuclideanLoss's numbers; Python errors are one line."""
import os
import re
import subprocess
import unittest

import numpy as np

import cnn
from cnn_test_util import CNN_TOOL, ScratchTestCase

HERE = os.path.dirname(os.path.abspath(__file__))

NET = '''
name: "regress"
layer { name: "data" type: "DummyData" top: "x" top: "y"
  dummy_data_param { shape { dim: 8 dim: 5 } shape { dim: 8 dim: 3 }
                     data_filler { type: "gaussian" std: 1 } data_filler { type: "gaussian" std: 1 } } }
layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip"
  inner_product_param { num_output: 3 weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } } }
LOSS
'''
PY_LOSS = '''layer { name: "loss" type: "Python" bottom: "ip" bottom: "y" top: "loss" loss_weight: 1
  python_param { module: "python_layers_for_test" layer: "CLASS" } }'''
CPP_LOSS = 'layer { name: "loss" type: "EuclideanLoss" bottom: "ip" bottom: "y" top: "loss" }'

SOLVER = '''net: "{net}" base_lr: 0.05 momentum: 0.9 lr_policy: "fixed" max_iter: 12 display: 1
random_seed: 5 snapshot_prefix: "{prefix}" snapshot_after_train: true'''


def run(*args, pythonpath=HERE):
    env = dict(os.environ)
    env['PYTHONPATH'] = pythonpath
    env['GLOG_minloglevel'] = '0'
    proc = subprocess.run([CNN_TOOL] + list(args), capture_output=True, text=True, timeout=120, env=env)
    return proc.returncode, proc.stdout + proc.stderr


def train_losses(log):
    return [float(v) for v in re.findall(r'Iteration \d+ \([^)]*\), loss = (\S+)', log)]


class TestToolPythonLayer(ScratchTestCase):
    def net(self, name, loss):
        return self.write(name + '.prototxt', NET.replace('LOSS', loss))

    def train(self, name, loss):
        net = self.net(name, loss)
        prefix = os.path.join(self.dir, name)
        solver = self.write(name + '_solver.prototxt', SOLVER.format(net=net, prefix=prefix))
        rc, log = run('train', '--solver=' + solver)
        self.assertEqual(rc, 0, log)
        return net, prefix + '_iter_12.caffemodel', log

    def test_train_test_time_match_the_cpp_loss(self):
        py_net, py_weights, py_log = self.train('py', PY_LOSS.replace('CLASS', 'EuclideanLoss'))
        cpp_net, cpp_weights, cpp_log = self.train('cpp', CPP_LOSS)
        py_losses, cpp_losses = train_losses(py_log), train_losses(cpp_log)
        self.assertEqual(len(py_losses), 12)
        np.testing.assert_allclose(py_losses, cpp_losses, rtol=1e-5)
        self.assertLess(py_losses[-1], py_losses[0])  # it trained
        for a, b in zip(cnn.Net(py_net, py_weights, cnn.TEST).params['ip'],
                        cnn.Net(cpp_net, cpp_weights, cnn.TEST).params['ip']):
            np.testing.assert_allclose(a.data, b.data, rtol=1e-5, atol=1e-6)

        scores = []
        for net in (py_net, cpp_net):
            rc, log = run('test', '--model=' + net, '--weights=' + cpp_weights, '--iterations=4')
            self.assertEqual(rc, 0, log)
            scores.append(float(re.search(r'^Loss: (\S+)', log, re.M).group(1)))
        self.assertAlmostEqual(scores[0], scores[1], delta=1e-5 * abs(scores[1]))

        rc, log = run('time', '--model=' + py_net, '--iterations=2')
        self.assertEqual(rc, 0, log)
        self.assertRegex(log, r'loss +Python +1 ')

    def error_line(self, net, pythonpath=HERE):
        rc, log = run('test', '--model=' + net, '--iterations=1',
                      pythonpath=pythonpath)
        self.assertEqual(rc, 1, log)
        lines = [l for l in log.splitlines() if l.startswith('cnn: error: ')]
        self.assertEqual(len(lines), 1, log)
        self.assertNotIn('Traceback', log)
        return lines[0]

    def test_python_errors_are_one_line(self):
        failing = self.net('failing', PY_LOSS.replace('CLASS', 'Failing'))
        self.assertRegex(self.error_line(failing),
                         r"^cnn: error: layer 'loss' \(Python\): module 'python_layers_for_test', class 'Failing', "
                         r"forward: ValueError: boom from forward \(at python_layers_for_test.py:\d+ in forward\)$")
        line = self.error_line(self.net('missing', PY_LOSS.replace('CLASS', 'EuclideanLoss')), pythonpath=self.dir)
        self.assertIn("layer 'loss' (Python): module 'python_layers_for_test', class 'EuclideanLoss', import: "
                      "ModuleNotFoundError: No module named 'python_layers_for_test'", line)
        no_class = self.net('no_class', PY_LOSS.replace('CLASS', 'NoSuchClass'))
        self.assertIn("import: AttributeError: module 'python_layers_for_test' has no attribute 'NoSuchClass'",
                      self.error_line(no_class))


if __name__ == '__main__':
    unittest.main()
