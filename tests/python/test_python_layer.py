"""Layers of type "Python" in nets built from Python: forward/backward,
param_str, learnable blobs the solver trains (against the C++ Bias layer on
the same net), and errors raised in the layer's code."""
import os
import traceback
import unittest

import numpy as np

import cnn
from cnn_test_util import ScratchTestCase

SCALE_NET = '''
force_backward: true
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "scale" type: "Python" bottom: "data" top: "out"
        python_param { module: "python_layers_for_test" layer: "ScaleByParam" param_str: "3.5" } }
'''

# The same regression twice: a bias per output unit learned either by the
# Python layer or by the C++ Bias layer.
BIAS_NET = '''
layer {{
  name: "data" type: "DummyData" top: "data" top: "target"
  dummy_data_param {{ shape {{ dim: 4 dim: 5 }} shape {{ dim: 4 dim: 3 }}
                      data_filler {{ type: "gaussian" std: 1 }} data_filler {{ type: "constant" value: 0.7 }} }}
}}
layer {{ name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
        inner_product_param {{ num_output: 3 bias_term: false weight_filler {{ type: "gaussian" std: 0.5 }} }} }}
{bias}
layer {{ name: "loss" type: "EuclideanLoss" bottom: "biased" bottom: "target" top: "loss" }}
'''
PY_BIAS = '''layer { name: "bias" type: "Python" bottom: "ip" top: "biased"
        python_param { module: "python_layers_for_test" layer: "LearnedBias" } }'''
CPP_BIAS = '''layer { name: "bias" type: "Bias" bottom: "ip" top: "biased" bias_param { filler { type: "constant" value: 0 } } }'''

SOLVER = '''net: "{net}" base_lr: 0.1 momentum: 0.9 lr_policy: "fixed" max_iter: 10 random_seed: 11
snapshot_prefix: "{prefix}" type: "SGD"
'''


class TestPythonLayer(ScratchTestCase):
    def test_forward_backward_and_param_str(self):
        net = cnn.Net(self.write('scale.prototxt', SCALE_NET), cnn.TEST)
        self.assertEqual(net.layers[1].type, 'Python')
        x = np.arange(6, dtype=np.float32).reshape(2, 3)
        np.testing.assert_allclose(net.forward(data=x)['out'], 3.5 * x)
        g = np.ones((2, 3), np.float32) * 2
        np.testing.assert_allclose(net.backward(out=g)['data'], 7 * np.ones((2, 3)))

    def solver(self, bias, name):
        net = self.write(name + '_net.prototxt', BIAS_NET.format(bias=bias))
        return cnn.SGDSolver(self.write(name + '_solver.prototxt',
                                        SOLVER.format(net=net, prefix=os.path.join(self.dir, name))))

    def test_learnable_blob_trained_as_the_cpp_bias(self):
        py_solver = self.solver(PY_BIAS, 'py')
        self.assertEqual(len(py_solver.net.params['bias']), 1)
        first_loss = float(py_solver.net.forward()['loss'])
        py_solver = self.solver(PY_BIAS, 'py')  # again, so both runs start from the seed
        py_solver.step(10)
        cpp_solver = self.solver(CPP_BIAS, 'cpp')
        cpp_solver.step(10)
        py_bias = py_solver.net.params['bias'][0].data
        self.assertGreater(np.abs(py_bias).sum(), 0.1)
        np.testing.assert_allclose(py_bias, cpp_solver.net.params['bias'][0].data, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(py_solver.net.params['ip'][0].data, cpp_solver.net.params['ip'][0].data,
                                   rtol=1e-4, atol=1e-6)
        self.assertLess(float(py_solver.net.forward()['loss']), first_loss)
        # The learned blob is saved and loaded like any layer's.
        path = os.path.join(self.dir, 'py.caffemodel')
        py_solver.net.save(path)
        again = cnn.Net(os.path.join(self.dir, 'py_net.prototxt'), path, cnn.TEST)
        np.testing.assert_array_equal(again.params['bias'][0].data, py_bias)

    def test_errors_are_the_layers_own(self):
        missing = SCALE_NET.replace('python_layers_for_test', 'no_such_module_here')
        with self.assertRaises(ModuleNotFoundError):
            cnn.Net(self.write('missing.prototxt', missing), cnn.TEST)
        no_class = SCALE_NET.replace('ScaleByParam', 'NoSuchClass')
        with self.assertRaises(AttributeError):
            cnn.Net(self.write('no_class.prototxt', no_class), cnn.TEST)
        bad_param = SCALE_NET.replace('"3.5"', '"three"')
        with self.assertRaises(ValueError):
            cnn.Net(self.write('bad_param.prototxt', bad_param), cnn.TEST)
        net = cnn.Net(self.write('failing.prototxt', SCALE_NET.replace('ScaleByParam', 'Failing')), cnn.TEST)
        try:
            net.forward()
            self.fail('the layer raised nothing')
        except ValueError as e:
            self.assertIn('boom from forward', str(e))
            # The traceback reaches into the layer's code.
            files = [frame.filename for frame in traceback.extract_tb(e.__traceback__)]
            self.assertTrue(any(f.endswith('python_layers_for_test.py') for f in files), files)
        no_module = SCALE_NET.replace('module: "python_layers_for_test"', '')
        with self.assertRaises(RuntimeError) as ctx:
            cnn.Net(self.write('no_module.prototxt', no_module), cnn.TEST)
        self.assertIn("layer 'scale' (Python)", str(ctx.exception))


if __name__ == '__main__':
    unittest.main()
