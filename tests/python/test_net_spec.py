"""cnn.net_spec: LeNet written in Python gives models/lenet/deploy.prototxt,
and pycaffe's naming of unnamed tops and layers."""
import os
import unittest

import numpy as np
from google.protobuf import text_format

import cnn
from cnn import layers as L, params as P
from cnn.proto import cnn_pb2
from cnn_test_util import SOURCE_DIR, ScratchTestCase


def lenet_deploy():
    n = cnn.NetSpec()
    n.data = L.Input(shape=dict(dim=[64, 1, 28, 28]))

    def conv(bottom, num_output):
        return L.Convolution(bottom, param=[dict(lr_mult=1), dict(lr_mult=2)], num_output=num_output,
                             kernel_size=5, stride=1, weight_filler=dict(type='xavier'),
                             bias_filler=dict(type='constant'))

    def ip(bottom, num_output):
        return L.InnerProduct(bottom, param=[dict(lr_mult=1), dict(lr_mult=2)], num_output=num_output,
                              weight_filler=dict(type='xavier'), bias_filler=dict(type='constant'))
    n.conv1 = conv(n.data, 20)
    n.pool1 = L.Pooling(n.conv1, pool=P.Pooling.MAX, kernel_size=2, stride=2)
    n.conv2 = conv(n.pool1, 50)
    n.pool2 = L.Pooling(n.conv2, pool=P.Pooling.MAX, kernel_size=2, stride=2)
    n.ip1 = ip(n.pool2, 500)
    n.relu1 = L.ReLU(n.ip1, in_place=True)
    n.ip2 = ip(n.relu1, 10)
    n.prob = L.Softmax(n.ip2)
    proto = n.to_proto()
    proto.name = 'LeNet'
    return proto


class TestNetSpec(ScratchTestCase):
    def test_lenet_round_trip(self):
        built = lenet_deploy()
        with open(os.path.join(SOURCE_DIR, 'models', 'lenet', 'deploy.prototxt')) as f:
            written = text_format.Parse(f.read(), cnn_pb2.NetParameter())
        self.assertEqual([l.name for l in built.layer], [l.name for l in written.layer])
        for a, b in zip(built.layer, written.layer):
            self.assertEqual(a, b, 'layer ' + a.name)
        self.assertEqual(built, written)
        # The text form loads and runs.
        path = self.write('lenet.prototxt', text_format.MessageToString(built))
        net = cnn.Net(path, cnn.TEST)
        out = net.forward(data=np.zeros((64, 1, 28, 28), np.float32))
        self.assertEqual(out['prob'].shape, (64, 10))
        np.testing.assert_allclose(out['prob'].sum(1), 1, rtol=1e-5)

    def test_automatic_names(self):
        data = L.Input(shape=dict(dim=[1, 3, 8, 8]))
        conv = L.Convolution(data, num_output=2, kernel_size=3)
        a, b = L.Slice(conv, ntop=2, slice_param=dict(axis=1))
        proto = cnn.to_proto(L.Eltwise(L.ReLU(a), b))
        self.assertEqual([(l.name, list(l.bottom), list(l.top)) for l in proto.layer], [
            ('Input1', [], ['Input1']),
            ('Convolution1', ['Input1'], ['Convolution1']),
            ('Slice1', ['Convolution1'], ['Slice1', 'Slice2']),
            ('ReLU1', ['Slice1'], ['ReLU1']),
            ('Eltwise1', ['ReLU1', 'Slice2'], ['Eltwise1']),
        ])
        self.assertEqual(list(proto.layer[1].convolution_param.kernel_size), [3])
        self.assertEqual(proto.layer[2].slice_param.axis, 1)

    def test_layer_fields_and_zero_tops(self):
        n = cnn.NetSpec()
        n.data, n.label = L.DummyData(ntop=2, shape=[dict(dim=[2, 3]), dict(dim=[2])])
        n.loss = L.SoftmaxWithLoss(n.data, n.label, loss_weight=0.5, include=dict(phase=cnn.TRAIN))
        n.silence = L.Silence(n.label, ntop=0)
        proto = n.to_proto()
        self.assertEqual(proto.layer[0].name, 'data')
        self.assertEqual(list(proto.layer[0].top), ['data', 'label'])
        self.assertEqual(list(proto.layer[1].loss_weight), [0.5])
        self.assertEqual(proto.layer[1].include[0].phase, cnn_pb2.TRAIN)
        self.assertEqual(list(proto.layer[2].top), [])
        self.assertEqual(proto.layer[2].name, 'silence')  # a layer without tops takes its own attribute name

    def test_bad_specs(self):
        with self.assertRaises(ValueError):
            cnn.to_proto(L.Convolution(L.Input(), no_such_field=3))
        with self.assertRaises(TypeError):
            L.ReLU('data')
        with self.assertRaises(AttributeError):
            P.Pooling.NO_SUCH_METHOD


if __name__ == '__main__':
    unittest.main()
