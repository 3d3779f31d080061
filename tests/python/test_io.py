"""cnn.io: the Transformer there and back, resizing, crops, image files and
the message conversions."""
import os
import subprocess
import sys
import unittest

import numpy as np

import cnn
from cnn import io as cio
from cnn.proto import caffe_pb2, cnn_pb2
from cnn_test_util import ScratchTestCase


class TestTransformer(unittest.TestCase):
    def test_round_trip(self):
        rng = np.random.RandomState(5)
        image = rng.rand(8, 6, 3).astype(np.float32)  # rows x cols x RGB in [0, 1]
        t = cio.Transformer({'data': (1, 3, 8, 6)})
        t.set_transpose('data', (2, 0, 1))
        t.set_channel_swap('data', (2, 1, 0))
        t.set_raw_scale('data', 255)
        mean = np.array([104, 117, 123], np.float32)
        t.set_mean('data', mean)
        t.set_input_scale('data', 0.017)
        x = t.preprocess('data', image)
        expected = (image.transpose(2, 0, 1)[::-1] * 255 - mean[:, None, None]) * 0.017
        self.assertEqual(x.shape, (3, 8, 6))
        self.assertEqual(x.dtype, np.float32)
        np.testing.assert_allclose(x, expected, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(t.deprocess('data', x), image, atol=1e-5)
        np.testing.assert_allclose(t.deprocess('data', x[None]), image, atol=1e-5)

    def test_resizes_to_the_input(self):
        t = cio.Transformer({'data': (1, 1, 4, 2)})
        t.set_transpose('data', (2, 0, 1))
        x = t.preprocess('data', np.ones((2, 1, 1), np.float32) * 0.5)
        self.assertEqual(x.shape, (1, 4, 2))
        np.testing.assert_allclose(x, 0.5)

    def test_bad_settings(self):
        t = cio.Transformer({'data': (1, 3, 8, 6)})
        with self.assertRaises(KeyError):
            t.set_raw_scale('nope', 255)
        with self.assertRaises(ValueError):
            t.set_mean('data', [1, 2])
        with self.assertRaises(ValueError):
            t.set_transpose('data', (1, 0))
        with self.assertRaises(ValueError):
            t.set_channel_swap('data', (0, 1))


class TestImages(ScratchTestCase):
    def test_resize_known_answers(self):
        ramp = np.array([[0, 1]], np.float32)
        # Output pixel centres at source x = -0.25, 0.25, 0.75, 1.25 (clamped).
        np.testing.assert_allclose(cio.resize_image(ramp, (1, 4)), [[0, 0.25, 0.75, 1]])
        np.testing.assert_allclose(cio.resize_image(ramp, (1, 4), interp_order=0), [[0, 0, 1, 1]])
        square = np.arange(4, dtype=np.float32).reshape(2, 2, 1)
        self.assertEqual(cio.resize_image(square, (3, 5)).shape, (3, 5, 1))
        np.testing.assert_allclose(cio.resize_image(np.full((5, 7, 3), 0.3), (2, 2)), 0.3, rtol=1e-6)
        with self.assertRaises(ValueError):
            cio.resize_image(ramp, (2, 2), interp_order=3)

    def test_oversample(self):
        im = np.arange(4 * 5 * 2, dtype=np.float32).reshape(4, 5, 2)
        crops = cio.oversample([im, im + 100], (3, 3))
        self.assertEqual(crops.shape, (20, 3, 3, 2))
        np.testing.assert_array_equal(crops[0], im[:3, :3])
        np.testing.assert_array_equal(crops[3], im[1:, 2:])
        np.testing.assert_array_equal(crops[4], im[0:3, 1:4])  # centre: offsets (4-3)//2, (5-3)//2
        np.testing.assert_array_equal(crops[5], im[:3, :3][:, ::-1])
        np.testing.assert_array_equal(crops[10], im[:3, :3] + 100)

    def test_image_codecs_load_on_first_decode(self):
        # OpenCV's imgcodecs (and the ~140 libraries it brings) stays out of
        # `import cnn` and comes in with the first image decoded.
        path = os.path.join(self.dir, 'one.pgm')
        with open(path, 'wb') as f:
            f.write(b'P5\n1 1\n255\n\x07')
        script = ('import cnn, cnn.io\n'
                  'def loaded(): return "libopencv_imgcodecs" in open("/proc/self/maps").read()\n'
                  'before = loaded()\n'
                  'value = cnn.io.load_image({!r}, color=False)[0, 0, 0]\n'
                  'print(before, loaded(), round(float(value) * 255))\n').format(path)
        proc = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.split(), ['False', 'True', '7'])

    def test_load_image(self):
        # A 2x3 binary PPM written by hand: OpenCV reads it, no encoder needed.
        pixels = np.arange(18, dtype=np.uint8).reshape(2, 3, 3) * 10
        path = os.path.join(self.dir, 'tiny.ppm')
        with open(path, 'wb') as f:
            f.write(b'P6\n3 2\n255\n' + pixels.tobytes())
        rgb = cio.load_image(path)
        self.assertEqual(rgb.shape, (2, 3, 3))
        self.assertEqual(rgb.dtype, np.float32)
        np.testing.assert_allclose(rgb, pixels / 255.0, rtol=1e-6)
        grey = np.array([[0, 51, 102], [153, 204, 255]], np.uint8)
        path = os.path.join(self.dir, 'tiny.pgm')
        with open(path, 'wb') as f:
            f.write(b'P5\n3 2\n255\n' + grey.tobytes())
        self.assertEqual(cio.load_image(path, color=False).shape, (2, 3, 1))
        np.testing.assert_allclose(cio.load_image(path, color=False)[..., 0], grey / 255.0, rtol=1e-6)
        np.testing.assert_allclose(cio.load_image(path), np.repeat(grey[..., None] / 255.0, 3, axis=2), rtol=1e-6)
        with self.assertRaises(RuntimeError) as ctx:
            cio.load_image(os.path.join(self.dir, 'missing.png'))
        self.assertIn('missing.png', str(ctx.exception))


class TestMessages(unittest.TestCase):
    def test_blobproto(self):
        arr = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
        blob = cio.array_to_blobproto(arr, diff=-arr)
        self.assertEqual(list(blob.shape.dim), [2, 3, 4])
        np.testing.assert_array_equal(cio.blobproto_to_array(blob), arr)
        np.testing.assert_array_equal(cio.blobproto_to_array(blob, return_diff=True), -arr)
        legacy = cnn_pb2.BlobProto(num=1, channels=2, height=1, width=3, data=range(6))
        self.assertEqual(cio.blobproto_to_array(legacy).shape, (1, 2, 1, 3))
        again = cnn_pb2.BlobProto.FromString(blob.SerializeToString())
        np.testing.assert_array_equal(cio.blobproto_to_array(again), arr)

    def test_datum(self):
        pixels = np.arange(12, dtype=np.uint8).reshape(3, 2, 2)
        datum = cio.array_to_datum(pixels, label=7)
        self.assertEqual((datum.channels, datum.height, datum.width, datum.label), (3, 2, 2, 7))
        self.assertEqual(len(datum.data), 12)
        back = cio.datum_to_array(cnn_pb2.Datum.FromString(datum.SerializeToString()))
        self.assertEqual(back.dtype, np.uint8)
        np.testing.assert_array_equal(back, pixels)
        floats = np.linspace(-1, 1, 12).reshape(3, 2, 2)
        np.testing.assert_allclose(cio.datum_to_array(cio.array_to_datum(floats)), floats, rtol=1e-6)
        with self.assertRaises(ValueError):
            cio.array_to_datum(np.zeros((2, 2)))

    def test_blobproto_feeds_a_net_mean(self):
        # The Datum/BlobProto classes are the schema's: caffe_pb2 is an alias.
        self.assertIs(caffe_pb2, cnn_pb2)
        self.assertEqual(cnn.TRAIN, cnn_pb2.TRAIN)
        self.assertEqual(cnn.TEST, cnn_pb2.TEST)


if __name__ == '__main__':
    unittest.main()
