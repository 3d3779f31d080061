"""The base of Python layers (pycaffe's caffe.Layer).

A net layer `type: "Python"` with python_param { module: "m" layer: "C"
param_str: "..." } builds m.C(layer_param) (layer_param is the layer's
cnn_pb2.LayerParameter), sets self.param_str and self.phase, then calls
setup(bottom, top) once, reshape(bottom, top) whenever shapes may change,
forward(bottom, top) and backward(top, propagate_down, bottom), each with
lists of Blobs. Learnable blobs are added in setup with
self.blobs.add_blob(*shape); the solver updates them from their diffs.
"""
from ._cnn import Blob


class BlobList(list):
    """A Python layer's learnable blobs."""

    def add_blob(self, *shape):
        blob = Blob(*shape)
        self.append(blob)
        return blob


class Layer:
    def __init__(self, layer_param=None):
        self.layer_param = layer_param
        self.param_str = layer_param.python_param.param_str if layer_param is not None else ''
        self.phase = layer_param.phase if layer_param is not None else 0
        self.blobs = BlobList()

    def setup(self, bottom, top):
        pass

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        raise NotImplementedError('{}.forward is not written'.format(type(self).__name__))

    def backward(self, top, propagate_down, bottom):
        pass
