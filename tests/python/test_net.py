"""cnn.Net from Python: building in both phases, forward and backward with
named arrays and layer ranges, blob views, weights surgery and files, and
the errors bad input gives."""
import gc
import os
import unittest

import numpy as np

import cnn
from cnn_test_util import ScratchTestCase, tool_error

# data (2x3x4x4) -> ip (5 units) -> relu (in place) -> out = 2 * relu + 1.
# Two layers exist only in some states: "train_aux" in TRAIN, "staged" with
# stage "extra".
TINY_NET = '''
name: "tiny"
force_backward: true
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 4 dim: 4 } } }
layer {
  name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
  inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.3 }
                        bias_filler { type: "uniform" min: -0.5 max: 0.5 } }
}
layer { name: "relu" type: "ReLU" bottom: "ip" top: "ip" }
layer { name: "out" type: "Power" bottom: "ip" top: "out" power_param { power: 1 scale: 2 shift: 1 } }
layer { name: "train_aux" type: "Power" bottom: "data" top: "aux" include { phase: TRAIN } }
layer { name: "staged" type: "Power" bottom: "data" top: "staged" include { stage: "extra" } }
'''


class NetTestCase(ScratchTestCase):
    def setUp(self):
        super().setUp()
        cnn.set_random_seed(1701)
        self.net_file = self.write('tiny.prototxt', TINY_NET)
        self.rng = np.random.RandomState(3)

    def reference(self, net, x):
        """ip (before ReLU) and out, computed with numpy from the net's weights."""
        w, b = net.params['ip'][0].data, net.params['ip'][1].data
        ip = x.reshape(len(x), -1) @ w.T + b
        return ip, 2 * np.maximum(ip, 0) + 1


class TestBuild(NetTestCase):
    def test_phases_levels_and_stages(self):
        test = cnn.Net(self.net_file, cnn.TEST)
        train = cnn.Net(self.net_file, cnn.TRAIN)
        staged = cnn.Net(self.net_file, phase=cnn.TEST, stages=['extra'])
        self.assertEqual(test._layer_names, ['data', 'ip', 'relu', 'out'])
        # Two readers of "data": a Split layer feeds them, named as Caffe names it.
        self.assertEqual(train._layer_names, ['data', 'data_data_0_split', 'ip', 'relu', 'out', 'train_aux'])
        self.assertEqual(staged._layer_names, ['data', 'data_data_0_split', 'ip', 'relu', 'out', 'staged'])
        self.assertEqual(test.phase, cnn.TEST)
        self.assertEqual(train.phase, cnn.TRAIN)

    def test_members(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        self.assertEqual(list(net.blobs), ['data', 'ip', 'out'])
        self.assertEqual(list(net.params), ['ip'])
        self.assertEqual([p.shape for p in net.params['ip']], [[5, 48], [5]])
        self.assertEqual(net.inputs, ['data'])
        self.assertEqual(net.outputs, ['out'])
        self.assertEqual(net.top_names['relu'], ['ip'])
        self.assertEqual(net.bottom_names['out'], ['ip'])
        self.assertEqual(list(net.layer_dict), net._layer_names)
        self.assertEqual([l.type for l in net.layers], ['Input', 'InnerProduct', 'ReLU', 'Power'])
        self.assertEqual(net.layer_dict['ip'].blobs[0].shape, [5, 48])
        blob = net.blobs['data']
        self.assertEqual((blob.num, blob.channels, blob.height, blob.width, blob.count), (2, 3, 4, 4, 96))
        self.assertEqual(blob.data.dtype, np.float32)
        self.assertEqual(blob.data.shape, (2, 3, 4, 4))

    def test_weights_forms(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        net.params['ip'][0].data[...] = 0.25
        weights = os.path.join(self.dir, 'w.caffemodel')
        net.save(weights)
        for other in (cnn.Net(self.net_file, weights, cnn.TEST),
                      cnn.Net(self.net_file, cnn.TEST, weights=weights),
                      cnn.Net(self.net_file, weights=weights, phase=cnn.TEST)):
            np.testing.assert_array_equal(other.params['ip'][0].data, 0.25)
            np.testing.assert_array_equal(other.params['ip'][1].data, net.params['ip'][1].data)


class TestForwardBackward(NetTestCase):
    def test_forward_with_keyword_inputs(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        x = self.rng.randn(2, 3, 4, 4).astype(np.float32)
        out = net.forward(data=x)
        self.assertEqual(list(out), ['out'])
        _, expected = self.reference(net, x)
        np.testing.assert_allclose(out['out'], expected, rtol=1e-5, atol=1e-5)
        # The input went into the blob itself.
        np.testing.assert_array_equal(net.blobs['data'].data, x)

    def test_forward_writes_through_views(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        x = self.rng.randn(2, 3, 4, 4).astype(np.float32)
        net.blobs['data'].data[...] = x
        out = net.forward()
        np.testing.assert_allclose(out['out'], self.reference(net, x)[1], rtol=1e-5, atol=1e-5)

    def test_start_and_end(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        x = self.rng.randn(2, 3, 4, 4).astype(np.float32)
        ip, expected = self.reference(net, x)
        self.assertTrue((ip < 0).any())  # else the ReLU below proves nothing
        first = net.forward(end='ip', data=x)
        self.assertEqual(list(first), ['ip'])
        np.testing.assert_allclose(first['ip'], ip, rtol=1e-5, atol=1e-5)
        # The rest of the net from where it stopped; ReLU runs in place on ip.
        rest = net.forward(start='relu', blobs=['ip'])
        self.assertEqual(sorted(rest), ['ip', 'out'])
        np.testing.assert_allclose(rest['ip'], np.maximum(ip, 0), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(rest['out'], expected, rtol=1e-5, atol=1e-5)

    def test_backward_with_diffs(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        x = self.rng.randn(2, 3, 4, 4).astype(np.float32)
        g = self.rng.randn(2, 5).astype(np.float32)
        net.forward(data=x)
        grads = net.backward(out=g)
        self.assertEqual(list(grads), ['data'])
        ip, _ = self.reference(net, x)
        w = net.params['ip'][0].data
        d_ip = 2 * g * (ip > 0)
        np.testing.assert_allclose(grads['data'], (d_ip @ w).reshape(x.shape), rtol=1e-4, atol=1e-5)
        # Parameter gradients accumulate in the params' diffs.
        np.testing.assert_allclose(net.params['ip'][0].diff, d_ip.T @ x.reshape(2, -1), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(net.params['ip'][1].diff, d_ip.sum(0), rtol=1e-4, atol=1e-5)
        net.clear_param_diffs()
        np.testing.assert_array_equal(net.params['ip'][0].diff, 0)

    def test_backward_range(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        x = self.rng.randn(2, 3, 4, 4).astype(np.float32)
        g = self.rng.randn(2, 5).astype(np.float32)
        net.forward(data=x)
        # Only the Power layer: d ip = 2 g (the ReLU's masking not applied yet).
        part = net.backward(start='out', end='out', out=g)
        self.assertEqual(list(part), ['ip'])
        np.testing.assert_allclose(part['ip'], 2 * g, rtol=1e-6)

    def test_forward_all_batches(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        x = self.rng.randn(5, 3, 4, 4).astype(np.float32)  # two full batches and one padded
        out = net.forward_all(data=x)
        self.assertEqual(out['out'].shape, (5, 5))
        np.testing.assert_allclose(out['out'], self.reference(net, x)[1], rtol=1e-5, atol=1e-5)

    def test_forward_backward_all(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        x = self.rng.randn(3, 3, 4, 4).astype(np.float32)
        g = self.rng.randn(3, 5).astype(np.float32)
        outs, diffs = net.forward_backward_all(data=x, out=g)
        ip, expected = self.reference(net, x)
        np.testing.assert_allclose(outs['out'], expected, rtol=1e-5, atol=1e-5)
        w = net.params['ip'][0].data
        np.testing.assert_allclose(diffs['data'], ((2 * g * (ip > 0)) @ w).reshape(x.shape), rtol=1e-4, atol=1e-5)

    def test_reshape(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        net.blobs['data'].reshape(3, 3, 4, 4)
        net.reshape()
        x = self.rng.randn(3, 3, 4, 4).astype(np.float32)
        out = net.forward(data=x)
        np.testing.assert_allclose(out['out'], self.reference(net, x)[1], rtol=1e-5, atol=1e-5)


class TestMemory(NetTestCase):
    def test_views_outlive_the_net(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        x = self.rng.randn(2, 3, 4, 4).astype(np.float32)
        out = net.forward(data=x)['out']
        weights = net.params['ip'][0].data
        expected_out, expected_w = out.copy(), weights.copy()
        del net
        gc.collect()
        # Allocate something the freed memory would go to, then read.
        others = [cnn.Net(self.net_file, cnn.TEST) for _ in range(3)]
        for o in others:
            o.forward(data=np.full((2, 3, 4, 4), 7, np.float32))
        np.testing.assert_array_equal(out, expected_out)
        np.testing.assert_array_equal(weights, expected_w)

    def test_layer_keeps_its_net(self):
        layer = cnn.Net(self.net_file, cnn.TEST).layer_dict['ip']
        gc.collect()
        self.assertEqual(layer.blobs[0].data.shape, (5, 48))

    def test_views_share_memory(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        a, b = net.blobs['data'].data, net.blobs['data'].data
        a[0, 0, 0, 0] = 42
        self.assertEqual(b[0, 0, 0, 0], 42)


class TestWeights(NetTestCase):
    def test_surgery_save_and_reload(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        new_w = self.rng.randn(5, 48).astype(np.float32)
        net.params['ip'][0].data[...] = new_w
        net.params['ip'][1].data[...] = np.arange(5)
        path = os.path.join(self.dir, 'surgery.caffemodel')
        net.save(path)
        other = cnn.Net(self.net_file, cnn.TEST)
        other.copy_from(path)
        np.testing.assert_array_equal(other.params['ip'][0].data, new_w)
        np.testing.assert_array_equal(other.params['ip'][1].data, np.arange(5))
        x = self.rng.randn(2, 3, 4, 4).astype(np.float32)
        np.testing.assert_array_equal(other.forward(data=x)['out'], net.forward(data=x)['out'])

    def test_save_and_load_hdf5(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        net.params['ip'][1].data[...] = np.arange(5)
        path = os.path.join(self.dir, 'w.caffemodel.h5')
        try:
            net.save_hdf5(path)
        except RuntimeError as e:  # a build without HDF5 says so
            self.assertIn('HDF5', str(e))
            self.skipTest('built without HDF5')
        with open(path, 'rb') as f:
            self.assertEqual(f.read(8), b'\x89HDF\r\n\x1a\n')
        other = cnn.Net(self.net_file, cnn.TEST)
        other.load_hdf5(path)
        for a, b in zip(net.params['ip'], other.params['ip']):
            np.testing.assert_array_equal(a.data, b.data)
        # The same file through the path every weights reader takes (Caffe's layout).
        third = cnn.Net(self.net_file, path, cnn.TEST)
        np.testing.assert_array_equal(third.params['ip'][1].data, np.arange(5))
        with self.assertRaises(RuntimeError) as ctx:
            other.load_hdf5(os.path.join(self.dir, 'absent.h5'))
        self.assertIn('absent.h5', str(ctx.exception))

    def test_share_with(self):
        a = cnn.Net(self.net_file, cnn.TRAIN)
        b = cnn.Net(self.net_file, cnn.TEST)
        b.share_with(a)
        a.params['ip'][0].data[...] = 3
        np.testing.assert_array_equal(b.params['ip'][0].data, 3)


class TestModule(NetTestCase):
    def test_layer_type_list_is_the_registry(self):
        bad = self.write('bad_type.prototxt', 'layer { name: "x" type: "NoSuchType" top: "x" }')
        message = tool_error('time', '--model=' + bad)
        known = message.split('known types: ', 1)[1].split(', ')
        # The module adds its own "Python" layer type to the library's (as the
        # tool does when built to embed Python).
        self.assertEqual(cnn.layer_type_list(), sorted(set(known + ['Python'])))
        self.assertIn('Convolution', known)

    def test_version_is_the_tool_s(self):
        from cnn_test_util import run_tool
        rc, out, _ = run_tool('version')
        self.assertEqual(rc, 0)
        self.assertEqual(out.splitlines()[0], 'cnn ' + cnn.__version__)

    def test_modes(self):
        cnn.set_mode_cpu()
        self.assertFalse(cnn.has_nccl())
        if cnn.gpu_count() == 0:
            with self.assertRaises(RuntimeError):
                cnn.set_mode_gpu()
            with self.assertRaises(RuntimeError):
                cnn.set_device(0)
        with self.assertRaises(ValueError):
            cnn.set_device(-1)
        cnn.set_mode_cpu()


class TestBadInput(NetTestCase):
    def test_wrong_phase(self):
        for phase in (2, -1, 'TRAIN', None, True):
            with self.assertRaises(ValueError, msg=repr(phase)) as ctx:
                cnn.Net(self.net_file, phase)
            self.assertIn('phase must be cnn.TRAIN', str(ctx.exception))

    def test_missing_files_say_what_the_tool_says(self):
        missing = os.path.join(self.dir, 'missing.prototxt')
        with self.assertRaises(RuntimeError) as ctx:
            cnn.Net(missing, cnn.TEST)
        self.assertEqual(str(ctx.exception), tool_error('time', '--model=' + missing))
        self.assertIn(missing, str(ctx.exception))
        with self.assertRaises(RuntimeError) as ctx:
            cnn.Net(self.net_file, os.path.join(self.dir, 'missing.caffemodel'), cnn.TEST)
        self.assertIn('missing.caffemodel', str(ctx.exception))

    def test_malformed_prototxt(self):
        bad = self.write('bad.prototxt', 'layer { name: "x" type: "Input" \n  top: }\n')
        with self.assertRaises(RuntimeError) as ctx:
            cnn.Net(bad, cnn.TEST)
        self.assertEqual(str(ctx.exception), tool_error('time', '--model=' + bad))
        self.assertIn('bad.prototxt:2', str(ctx.exception))

    def test_unknown_blob_and_layer_names(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        with self.assertRaises(KeyError):
            net.blobs['nope']
        with self.assertRaises(KeyError):
            net.forward(nope=np.zeros((2, 3, 4, 4), np.float32))
        with self.assertRaises(KeyError):
            net.forward(blobs=['nope'])
        with self.assertRaises(KeyError):
            net.backward(data=np.zeros((2, 3, 4, 4), np.float32))  # an input, not an output
        with self.assertRaises(ValueError):
            net.forward(end='nope')
        with self.assertRaises(IndexError):
            net._forward(0, 99)

    def test_wrong_shapes(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        with self.assertRaises(ValueError) as ctx:
            net.forward(data=np.zeros((1, 3, 4, 4), np.float32))
        self.assertIn("blob 'data' of shape (2, 3, 4, 4)", str(ctx.exception))
        with self.assertRaises(ValueError):
            net.blobs['data'].data[...] = np.zeros((7, 7), np.float32)
        with self.assertRaises(ValueError):
            net.backward(out=np.zeros((3,), np.float32))
        with self.assertRaises(ValueError):
            net.blobs['data'].reshape(2, -3)
        with self.assertRaises(TypeError):
            net.blobs['data'].reshape(2, 'a')
        with self.assertRaises(AttributeError):
            net.blobs['data'].data = np.zeros((2, 3, 4, 4), np.float32)

    def test_weights_of_another_net(self):
        other = self.write('other.prototxt', TINY_NET.replace('num_output: 5', 'num_output: 6'))
        weights = os.path.join(self.dir, 'six.caffemodel')
        cnn.Net(other, cnn.TEST).save(weights)
        with self.assertRaises(RuntimeError) as ctx:
            cnn.Net(self.net_file, weights, cnn.TEST)
        self.assertIn("'ip'", str(ctx.exception))

    def test_reshape_that_does_not_fit(self):
        net = cnn.Net(self.net_file, cnn.TEST)
        net.blobs['data'].reshape(2, 4, 4, 4)  # InnerProduct's weights expect 48 inputs
        with self.assertRaises(RuntimeError) as ctx:
            net.reshape()
        self.assertIn('ip', str(ctx.exception))


if __name__ == '__main__':
    unittest.main()


MEMORY_NET = '''
name: "memory"
layer { name: "mem" type: "MemoryData" top: "data" top: "label"
        memory_data_param { batch_size: 2 channels: 1 height: 2 width: 3 } }
layer { name: "sum" type: "Reduction" bottom: "data" top: "sum" reduction_param { axis: 1 } }
'''


class TestSetInputArrays(NetTestCase):
    def test_batches_cycle_through_the_arrays_in_place(self):
        net = cnn.Net(self.write('memory.prototxt', MEMORY_NET), cnn.TEST)
        data = self.rng.randn(4, 1, 2, 3).astype(np.float32)
        labels = np.arange(4, dtype=np.float32) + 10
        net.set_input_arrays(data, labels)
        for first in (0, 2, 0):
            out = net.forward()
            np.testing.assert_array_equal(net.blobs['data'].data, data[first:first + 2])
            np.testing.assert_array_equal(net.blobs['label'].data, labels[first:first + 2])
            np.testing.assert_allclose(out['sum'], data[first:first + 2].reshape(2, -1).sum(axis=1), rtol=1e-6)
        # Served in place, as pycaffe does: a change to the array shows in the
        # next batch (examples 2 and 3 after three batches).
        data[2] = 7
        net.forward()
        np.testing.assert_array_equal(net.blobs['data'].data[0], np.full((1, 2, 3), 7, np.float32))

    def test_bad_arrays(self):
        net = cnn.Net(self.write('memory.prototxt', MEMORY_NET), cnn.TEST)
        labels = np.zeros(4, np.float32)
        with self.assertRaisesRegex(ValueError, 'float32'):
            net.set_input_arrays(np.zeros((4, 1, 2, 3)), labels)  # float64
        with self.assertRaisesRegex(ValueError, 'expects 1x2x3'):
            net.set_input_arrays(np.zeros((4, 1, 3, 2), np.float32), labels)
        with self.assertRaisesRegex(ValueError, '3 labels for 4 examples'):
            net.set_input_arrays(np.zeros((4, 1, 2, 3), np.float32), np.zeros(3, np.float32))
        with self.assertRaisesRegex(RuntimeError, 'multiple'):
            net.set_input_arrays(np.zeros((3, 1, 2, 3), np.float32), np.zeros(3, np.float32))
        with self.assertRaisesRegex(ValueError, 'MemoryData'):
            cnn.Net(self.net_file, cnn.TEST).set_input_arrays(np.zeros((4, 1, 2, 3), np.float32), labels)
