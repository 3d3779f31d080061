"""pycaffe's cnn.Classifier: class probabilities for images from a deploy
net, with pycaffe's preprocessing options and ten-crop oversampling."""
import numpy as np

from . import io
from ._cnn import TEST, Net


class Classifier(Net):
    """Classifier(model_file, pretrained_file, image_dims=None, mean=None,
    input_scale=None, raw_scale=None, channel_swap=None).

    Images (rows x cols x channels, as io.load_image gives) are resized to
    image_dims (default: the input's own size), cropped to the input's size
    (ten crops averaged, or the centre), and preprocessed by a Transformer
    set up from the options (transpose to channels first, then as
    io.Transformer)."""

    def __init__(self, model_file, pretrained_file, image_dims=None, mean=None, input_scale=None, raw_scale=None,
                 channel_swap=None):
        Net.__init__(self, model_file, pretrained_file, TEST)
        name = self.inputs[0]
        shape = self.blobs[name].data.shape
        self.transformer = io.Transformer({name: shape})
        self.transformer.set_transpose(name, (2, 0, 1))
        if mean is not None:
            self.transformer.set_mean(name, mean)
        if input_scale is not None:
            self.transformer.set_input_scale(name, input_scale)
        if raw_scale is not None:
            self.transformer.set_raw_scale(name, raw_scale)
        if channel_swap is not None:
            self.transformer.set_channel_swap(name, channel_swap)
        self.crop_dims = np.array(shape[2:])
        self.image_dims = np.array(image_dims if image_dims is not None else self.crop_dims)

    def predict(self, inputs, oversample=True):
        """Class scores (the first output) for each image, averaged over the
        ten crops when oversample is set, else of the centre crop."""
        name = self.inputs[0]
        images = [io.resize_image(im, self.image_dims) for im in inputs]
        if oversample:
            crops = io.oversample(images, self.crop_dims)
        else:
            top = (self.image_dims - self.crop_dims) // 2
            crops = np.array([im[top[0]:top[0] + self.crop_dims[0], top[1]:top[1] + self.crop_dims[1]]
                              for im in images], dtype=np.float32)
        batch = np.array([self.transformer.preprocess(name, c) for c in crops], dtype=np.float32)
        scores = self.forward_all(**{name: batch})[self.outputs[0]]
        if oversample:
            scores = scores.reshape((len(images), 10) + scores.shape[1:]).mean(axis=1)
        return scores
