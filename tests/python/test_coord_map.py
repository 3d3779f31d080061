"""cnn.coord_map: Crop offsets of fully convolutional nets written with NetSpec."""
import os
import re
import unittest

import cnn
from cnn import layers as L, params as P
from cnn.coord_map import UndefinedMapException, coord_map_from_to, crop
from cnn_test_util import SOURCE_DIR, ScratchTestCase


def fcn32s(size, width=2):
    """FCN-32s's geometry (VGG-16 with pad 100 first, fc6 as a 7x7
    convolution, a 64x64 stride-32 deconvolution) with few channels."""
    n = cnn.NetSpec()
    n.data = L.Input(shape=dict(dim=[1, 3, size, size]))
    x = n.data
    for block, convs in enumerate((2, 2, 3, 3, 3), 1):
        for i in range(convs):
            x = L.ReLU(L.Convolution(x, num_output=width, kernel_size=3, pad=100 if block == i + 1 == 1 else 1),
                       in_place=True)
        x = L.Pooling(x, pool=P.Pooling.MAX, kernel_size=2, stride=2)
    x = L.ReLU(L.Convolution(x, num_output=width, kernel_size=7), in_place=True)
    x = L.ReLU(L.Convolution(x, num_output=width, kernel_size=1), in_place=True)
    n.score_fr = L.Convolution(x, num_output=3, kernel_size=1)
    n.upscore = L.Deconvolution(n.score_fr, convolution_param=dict(num_output=3, kernel_size=64, stride=32,
                                                                   bias_term=False))
    n.score = crop(n.upscore, n.data)
    return n


class TestCoordMap(ScratchTestCase):
    def test_fcn32s_offset_is_the_model_s(self):
        n = fcn32s(64)
        layer = [l for l in n.to_proto().layer if l.type == 'Crop'][0]
        self.assertEqual(list(layer.bottom), ['upscore', 'data'])
        self.assertEqual(layer.crop_param.axis, 2)
        # models/fcn32s (FCN's published offset) says the same.
        with open(os.path.join(SOURCE_DIR, 'models', 'fcn32s', 'deploy.prototxt')) as f:
            published = int(re.search(r'crop_param \{ axis: 2 offset: (\d+) \}', f.read()).group(1))
        self.assertEqual(list(layer.crop_param.offset), [published])
        self.assertEqual(published, 19)

    def test_the_crop_fits_the_built_net(self):
        for size in (64, 97):
            net = cnn.Net(self.write('fcn.prototxt', str(fcn32s(size).to_proto())), cnn.TEST)
            self.assertEqual(net.blobs['score'].data.shape, (1, 3, size, size))

    def test_maps_compose(self):
        n = cnn.NetSpec()
        n.data = L.Input(shape=dict(dim=[1, 1, 32, 32]))
        n.conv = L.Convolution(n.data, num_output=1, kernel_size=5, stride=2, pad=1)
        n.pool = L.Pooling(n.conv, kernel_size=3, stride=2)
        # data -> conv: y = x/2 + (1 - 2)/2; conv -> pool: z = y/2 - 1/2.
        ax, a, b = coord_map_from_to(n.data, n.pool)
        self.assertEqual((ax, a, b), (1, 0.25, -0.75))
        ax, a, b = coord_map_from_to(n.pool, n.data)
        self.assertEqual((a, b), (4.0, 3.0))
        n.up = L.Deconvolution(n.pool, convolution_param=dict(num_output=1, kernel_size=4, stride=4))
        # up = 4 pool + 1.5, so data = up + 1.5: data starts before up.
        self.assertEqual(coord_map_from_to(n.up, n.data), (1, 1.0, 1.5))
        with self.assertRaises(AssertionError):
            crop(n.up, n.data)
        n.up2 = L.Deconvolution(n.pool, convolution_param=dict(num_output=1, kernel_size=8, stride=4))
        self.assertEqual(coord_map_from_to(n.up2, n.data), (1, 1.0, -0.5))
        with self.assertRaises(AssertionError):  # half a pixel cannot be cropped
            crop(n.up2, n.data)
        with self.assertRaises(AssertionError):  # scales differ
            crop(n.pool, n.data)

    def test_unmapped_layers(self):
        n = cnn.NetSpec()
        n.data = L.Input(shape=dict(dim=[1, 1, 8, 8]))
        n.ip = L.InnerProduct(n.data, num_output=4)
        n.conv = L.Convolution(n.data, num_output=1, kernel_size=3)
        with self.assertRaisesRegex(UndefinedMapException, 'InnerProduct'):
            coord_map_from_to(n.ip, n.conv)
        n.rect = L.Convolution(n.data, num_output=1, kernel_size=[3, 5])
        with self.assertRaisesRegex(UndefinedMapException, 'differs per axis'):
            coord_map_from_to(n.rect, n.data)
        n.other = L.Input(shape=dict(dim=[1, 1, 8, 8]))
        with self.assertRaises(RuntimeError):
            coord_map_from_to(n.other, n.data)


if __name__ == '__main__':
    unittest.main()
