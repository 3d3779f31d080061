"""Python layers used by test_python_layer.py (loaded by python_param's module)."""
import numpy as np

import cnn


class ScaleByParam(cnn.Layer):
    """top = k * bottom with k from param_str."""

    def setup(self, bottom, top):
        if len(bottom) != 1 or len(top) != 1:
            raise ValueError('ScaleByParam takes one bottom and one top')
        self.k = float(self.param_str)

    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].shape)

    def forward(self, bottom, top):
        top[0].data[...] = self.k * bottom[0].data

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            bottom[0].diff[...] = self.k * top[0].diff


class LearnedBias(cnn.Layer):
    """top = bottom + b, b one learnable value per channel (axis 1), zeros at first."""

    def setup(self, bottom, top):
        self.blobs.add_blob(bottom[0].shape[1])
        self.blobs[0].data[...] = 0

    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].shape)

    def forward(self, bottom, top):
        top[0].data[...] = bottom[0].data + self.blobs[0].data

    def backward(self, top, propagate_down, bottom):
        self.blobs[0].diff[...] += top[0].diff.sum(axis=0)
        if propagate_down[0]:
            bottom[0].diff[...] = top[0].diff


class Failing(cnn.Layer):
    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].shape)

    def forward(self, bottom, top):
        raise ValueError('boom from forward')


class EuclideanLoss(cnn.Layer):
    """sum((a - b)^2) / num / 2, the C++ EuclideanLoss written in Python (as pycaffe's example)."""

    def setup(self, bottom, top):
        if len(bottom) != 2:
            raise ValueError('EuclideanLoss takes two bottoms')

    def reshape(self, bottom, top):
        if bottom[0].count != bottom[1].count:
            raise ValueError('EuclideanLoss: the bottoms differ in size')
        self.diff = np.zeros_like(bottom[0].data)
        top[0].reshape(1)

    def forward(self, bottom, top):
        self.diff[...] = bottom[0].data - bottom[1].data
        top[0].data[...] = np.sum(self.diff ** 2) / bottom[0].num / 2.

    def backward(self, top, propagate_down, bottom):
        for i, sign in ((0, 1), (1, -1)):
            if propagate_down[i]:
                bottom[i].diff[...] = sign * top[0].diff[0] * self.diff / bottom[i].num
