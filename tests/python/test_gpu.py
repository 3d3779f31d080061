"""The module in GPU mode (cnn.set_mode_gpu): the same numbers as in CPU
mode for a net's forward and backward and a solver's steps, numpy writes
into blobs reaching the GPU, and GPU results read back through the numpy
views. Skipped where no CUDA device is usable (CI); run on a GPU machine
(scripts/gpu/run.sh) or under the CUDA emulator (scripts/gpu/emulate.sh)."""
import os
import unittest

import numpy as np

import cnn
from cnn_test_util import ScratchTestCase

# A convolution, pooling, an inner product and a loss: the cuDNN engine's
# layers where it is built, our kernels elsewhere.
NET = '''
name: "small"
force_backward: true
layer { name: "data" type: "Input" top: "data" top: "label"
        input_param { shape { dim: 4 dim: 3 dim: 8 dim: 8 } shape { dim: 4 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 5 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.2 }
                            bias_filler { type: "constant" value: 0.1 } } }
layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "ip" type: "InnerProduct" bottom: "pool" top: "ip"
        inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
'''

SOLVER = '''
net: "{net}"
base_lr: 0.1
momentum: 0.9
lr_policy: "fixed"
max_iter: 5
random_seed: 5
snapshot_prefix: "{prefix}"
'''

TOLERANCE = 1e-4  # float sums in another order (cuDNN's algorithms, cuBLAS)


@unittest.skipIf(cnn.gpu_count() == 0, 'no usable CUDA device')
class TestGpuMode(ScratchTestCase):
    def setUp(self):
        super().setUp()
        cnn.set_mode_cpu()
        self.addCleanup(cnn.set_mode_cpu)
        self.net_file = self.write('small.prototxt', NET)
        rng = np.random.RandomState(11)
        self.x = rng.randn(4, 3, 8, 8).astype(np.float32)
        self.label = np.array([0, 2, 1, 2], dtype=np.float32)
        cnn.set_random_seed(3)
        self.weights = os.path.join(self.dir, 'w.caffemodel')
        cnn.Net(self.net_file, cnn.TRAIN).save(self.weights)

    def run_net(self, gpu, x=None):
        if gpu:
            cnn.set_device(0)
            cnn.set_mode_gpu()
        else:
            cnn.set_mode_cpu()
        net = cnn.Net(self.net_file, self.weights, cnn.TRAIN)
        out = net.forward(data=self.x if x is None else x, label=self.label)
        net.backward()
        result = {'loss': float(out['loss'][()]), 'ip': net.blobs['ip'].data.copy(),
                  'data_diff': net.blobs['data'].diff.copy()}
        for name, blobs in net.params.items():
            for i, b in enumerate(blobs):
                result['%s_%d_diff' % (name, i)] = b.diff.copy()
        return result, net

    def test_forward_and_backward_match_cpu(self):
        cpu, _ = self.run_net(False)
        gpu, _ = self.run_net(True)
        self.assertEqual(sorted(cpu), sorted(gpu))
        for key in cpu:
            np.testing.assert_allclose(gpu[key], cpu[key], rtol=TOLERANCE, atol=TOLERANCE, err_msg=key)
        self.assertGreater(np.abs(cpu['conv_0_diff']).max(), 0)  # a gradient that can differ

    def test_numpy_writes_reach_the_gpu_and_results_come_back(self):
        other = np.random.RandomState(12).randn(4, 3, 8, 8).astype(np.float32)
        want, _ = self.run_net(False, x=other)
        _, net = self.run_net(True)
        # Written through the view after a GPU pass: the next GPU pass reads it.
        net.blobs['data'].data[...] = other
        net.forward()
        np.testing.assert_allclose(net.blobs['ip'].data, want['ip'], rtol=TOLERANCE, atol=TOLERANCE)
        # Weight surgery between GPU passes reaches the GPU too.
        net.params['ip'][1].data[...] += 1.0
        net.forward()
        np.testing.assert_allclose(net.blobs['ip'].data, want['ip'] + 1.0, rtol=TOLERANCE, atol=TOLERANCE)

    def test_solver_steps_match_cpu(self):
        solver_file = self.write('solver.prototxt', SOLVER.format(net=self.net_file,
                                                                  prefix=os.path.join(self.dir, 'snap')))
        weights = {}
        for gpu in (False, True):
            if gpu:
                cnn.set_mode_gpu()
            else:
                cnn.set_mode_cpu()
            solver = cnn.get_solver(solver_file)
            solver.net.copy_from(self.weights)
            solver.net.blobs['data'].data[...] = self.x
            solver.net.blobs['label'].data[...] = self.label
            solver.step(5)
            self.assertEqual(solver.iter, 5)
            weights[gpu] = {name: [b.data.copy() for b in blobs] for name, blobs in solver.net.params.items()}
        for name in weights[False]:
            for cpu_blob, gpu_blob in zip(weights[False][name], weights[True][name]):
                np.testing.assert_allclose(gpu_blob, cpu_blob, rtol=1e-3, atol=1e-4, err_msg=name)


if __name__ == '__main__':
    unittest.main()
