"""cnn.Classifier on LeNet's deploy net with saved weights: the centre crop
is the plain forward pass, ten crops of a flat image agree with it."""
import os
import unittest

import numpy as np

import cnn
from cnn_test_util import SOURCE_DIR, ScratchTestCase

DEPLOY = os.path.join(SOURCE_DIR, 'models', 'lenet', 'deploy.prototxt')


class TestClassifier(ScratchTestCase):
    def setUp(self):
        super().setUp()
        cnn.set_random_seed(5)
        self.weights = os.path.join(self.dir, 'lenet.caffemodel')
        cnn.Net(DEPLOY, cnn.TEST).save(self.weights)

    def test_centre_crop_is_the_forward_pass(self):
        rng = np.random.RandomState(2)
        images = [rng.rand(28, 28, 1).astype(np.float32) for _ in range(3)]
        clf = cnn.Classifier(DEPLOY, self.weights, raw_scale=2.0)
        scores = clf.predict(images, oversample=False)
        self.assertEqual(scores.shape, (3, 10))
        net = cnn.Net(DEPLOY, self.weights, cnn.TEST)
        batch = np.zeros((64, 1, 28, 28), np.float32)
        for i, im in enumerate(images):
            batch[i] = 2.0 * im.transpose(2, 0, 1)
        expected = net.forward(data=batch)['prob'][:3]
        np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-7)

    def test_ten_crops_of_a_flat_image(self):
        clf = cnn.Classifier(DEPLOY, self.weights, image_dims=(32, 32))
        flat = np.full((20, 20, 1), 0.4, np.float32)  # resized to 32x32, still flat
        ten = clf.predict([flat], oversample=True)
        one = clf.predict([flat], oversample=False)
        self.assertEqual(ten.shape, (1, 10))
        np.testing.assert_allclose(ten, one, rtol=1e-5, atol=1e-7)


if __name__ == '__main__':
    unittest.main()
