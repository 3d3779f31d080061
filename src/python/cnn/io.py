"""pycaffe's cnn.io: images to net inputs and back (Transformer), image
reading and resizing, and conversions between numpy arrays and the schema's
BlobProto and Datum messages."""
import numpy as np

from . import _cnn
from .proto import cnn_pb2


# ---- Arrays and messages --------------------------------------------------

def blobproto_to_array(blob, return_diff=False):
    """The BlobProto's data (or diff) as a float array of its shape: the N-D
    `shape` field when set, else the legacy num/channels/height/width."""
    values = np.array(blob.diff if return_diff else blob.data, dtype=np.float32)
    if not len(values):
        values = np.array(blob.double_diff if return_diff else blob.double_data, dtype=np.float64)
    if blob.HasField('shape'):
        shape = tuple(blob.shape.dim)
    else:
        shape = (blob.num, blob.channels, blob.height, blob.width)
    return values.reshape(shape)


def array_to_blobproto(arr, diff=None):
    """A BlobProto holding `arr` (and `diff`, of the same shape) as floats."""
    arr = np.asarray(arr)
    blob = cnn_pb2.BlobProto()
    blob.shape.dim.extend(arr.shape)
    blob.data.extend(arr.astype(np.float32).ravel())
    if diff is not None:
        diff = np.asarray(diff)
        if diff.shape != arr.shape:
            raise ValueError('array_to_blobproto: diff of shape {} for data of shape {}'.format(diff.shape, arr.shape))
        blob.diff.extend(diff.astype(np.float32).ravel())
    return blob


def array_to_datum(arr, label=None):
    """A Datum from a channels x height x width array: uint8 arrays become
    its bytes, any other dtype its float_data."""
    arr = np.asarray(arr)
    if arr.ndim != 3:
        raise ValueError('array_to_datum: the array must have 3 axes (channels, height, width), not {}'.format(arr.ndim))
    datum = cnn_pb2.Datum()
    datum.channels, datum.height, datum.width = arr.shape
    if arr.dtype == np.uint8:
        datum.data = arr.tobytes()
    else:
        datum.float_data.extend(arr.astype(np.float32).ravel())
    if label is not None:
        datum.label = int(label)
    return datum


def datum_to_array(datum):
    """The Datum's values as a channels x height x width array (uint8 from
    its bytes, float otherwise). Encoded (compressed) Datums are refused."""
    if datum.encoded:
        raise ValueError('datum_to_array: the Datum holds an encoded image; decode it first')
    shape = (datum.channels, datum.height, datum.width)
    if len(datum.data):
        return np.frombuffer(datum.data, dtype=np.uint8).reshape(shape).copy()
    return np.array(datum.float_data, dtype=np.float32).reshape(shape)


# ---- Images ---------------------------------------------------------------

def load_image(filename, color=True):
    """The image as float32 rows x cols x channels in [0, 1], RGB (or one grey
    channel when color=False); a grey file read in color gets three equal
    channels. Decoded with the OpenCV cnn is built with."""
    image = _cnn._read_image(str(filename), bool(color))
    return image.astype(np.float32) / 255.0


def _axis_weights(n_in, n_out, order):
    # Source coordinate of each output pixel centre, as in common resamplers
    # (pixel centres aligned, edges clamped).
    pos = (np.arange(n_out) + 0.5) * (n_in / float(n_out)) - 0.5
    if order == 0:
        nearest = np.clip(np.floor(pos + 0.5).astype(int), 0, n_in - 1)
        return nearest, nearest, np.zeros(n_out)
    pos = np.clip(pos, 0, n_in - 1)
    low = np.floor(pos).astype(int)
    high = np.minimum(low + 1, n_in - 1)
    return low, high, pos - low


def resize_image(im, new_dims, interp_order=1):
    """Resizes a rows x cols (x channels) image to new_dims = (rows, cols):
    interp_order 0 is nearest neighbour, 1 bilinear. The value range is
    kept."""
    if interp_order not in (0, 1):
        raise ValueError('resize_image: interp_order must be 0 (nearest) or 1 (bilinear), got {}'.format(interp_order))
    im = np.asarray(im, dtype=np.float32)
    rows, cols = int(new_dims[0]), int(new_dims[1])
    if rows <= 0 or cols <= 0:
        raise ValueError('resize_image: new_dims must be positive, got {}'.format(tuple(new_dims)))
    if im.shape[:2] == (rows, cols):
        return im.copy()
    y0, y1, wy = _axis_weights(im.shape[0], rows, interp_order)
    x0, x1, wx = _axis_weights(im.shape[1], cols, interp_order)
    extra = (1,) * (im.ndim - 2)
    wy = wy.reshape((-1, 1) + extra).astype(np.float32)
    wx = wx.reshape((1, -1) + extra).astype(np.float32)
    top = im[y0][:, x0] * (1 - wx) + im[y0][:, x1] * wx
    bottom = im[y1][:, x0] * (1 - wx) + im[y1][:, x1] * wx
    return top * (1 - wy) + bottom * wy


def oversample(images, crop_dims):
    """Ten crops of crop_dims = (rows, cols) per image (the four corners and
    the centre, and their mirror images), for averaging predictions.
    `images` is a sequence of rows x cols x channels arrays of one size;
    returns an array of 10 * len(images) crops."""
    images = [np.asarray(im) for im in images]
    rows, cols = images[0].shape[:2]
    ch, cw = int(crop_dims[0]), int(crop_dims[1])
    if ch > rows or cw > cols:
        raise ValueError('oversample: crop {}x{} larger than the images ({}x{})'.format(ch, cw, rows, cols))
    corners = [(0, 0), (0, cols - cw), (rows - ch, 0), (rows - ch, cols - cw),
               ((rows - ch) // 2, (cols - cw) // 2)]
    crops = []
    for im in images:
        if im.shape[:2] != (rows, cols):
            raise ValueError('oversample: images of different sizes ({} and {})'.format(im.shape[:2], (rows, cols)))
        five = [im[y:y + ch, x:x + cw] for y, x in corners]
        crops.extend(five + [c[:, ::-1] for c in five])
    return np.array(crops, dtype=np.float32)


# ---- Transformer ----------------------------------------------------------

class Transformer:
    """Turns images (rows x cols x channels, RGB in [0, 1], as load_image
    gives) into the layout a net's input expects, and back.

    preprocess applies, in order: resize to the input's spatial size,
    transpose, channel swap, raw scale, mean subtraction, input scale.
    deprocess undoes them (except the resize). Settings are per input name:
    Transformer({'data': net.blobs['data'].data.shape}).
    """

    def __init__(self, inputs):
        self.inputs = dict((k, tuple(v)) for k, v in inputs.items())
        self.transpose = {}
        self.channel_swap = {}
        self.raw_scale = {}
        self.mean = {}
        self.input_scale = {}

    def _check_input(self, name):
        if name not in self.inputs:
            raise KeyError('Transformer: {!r} is not one of its inputs ({})'.format(name, ', '.join(self.inputs)))

    def set_transpose(self, name, order):
        """Axis order from the image's to the input's, e.g. (2, 0, 1) for HWC to CHW."""
        self._check_input(name)
        order = tuple(order)
        if len(order) != len(self.inputs[name]) - 1:
            raise ValueError('Transformer.set_transpose: order {} must cover the {} axes of one item of {!r}'.format(
                order, len(self.inputs[name]) - 1, name))
        self.transpose[name] = order

    def set_channel_swap(self, name, order):
        """Channel permutation (applied after transposing), e.g. (2, 1, 0) for RGB to BGR."""
        self._check_input(name)
        order = tuple(order)
        if len(order) != self.inputs[name][1]:
            raise ValueError('Transformer.set_channel_swap: order {} must list the {} channels of {!r}'.format(
                order, self.inputs[name][1], name))
        self.channel_swap[name] = order

    def set_raw_scale(self, name, scale):
        """Factor from the image's range to the one the mean is in (255 for [0, 1] images of a 0..255 mean)."""
        self._check_input(name)
        self.raw_scale[name] = scale

    def set_mean(self, name, mean):
        """Mean to subtract: one value per channel, or an array of the input's channels x rows x cols."""
        self._check_input(name)
        mean = np.asarray(mean, dtype=np.float32)
        item = self.inputs[name][1:]
        if mean.ndim == 1:
            if mean.shape[0] != item[0]:
                raise ValueError('Transformer.set_mean: {} channel means for {} channels of {!r}'.format(
                    mean.shape[0], item[0], name))
            mean = mean.reshape((-1,) + (1,) * (len(item) - 1))
        elif mean.shape != item:
            raise ValueError('Transformer.set_mean: mean of shape {} for items of shape {} of {!r}'.format(
                mean.shape, item, name))
        self.mean[name] = mean

    def set_input_scale(self, name, scale):
        """Factor applied last, after the mean is subtracted."""
        self._check_input(name)
        self.input_scale[name] = scale

    def preprocess(self, name, data):
        """One image to one item of input `name` (float32)."""
        self._check_input(name)
        x = np.asarray(data, dtype=np.float32)
        item = self.inputs[name][1:]
        # An image is rows x cols (x channels): it is resized to the input's
        # last two axes before any transpose.
        if len(item) >= 2 and x.ndim in (2, 3) and x.shape[:2] != item[-2:]:
            x = resize_image(x, item[-2:])
        if name in self.transpose:
            x = x.transpose(self.transpose[name])
        if name in self.channel_swap:
            x = x[list(self.channel_swap[name]), ...]
        if name in self.raw_scale:
            x = x * self.raw_scale[name]
        if name in self.mean:
            x = x - self.mean[name]
        if name in self.input_scale:
            x = x * self.input_scale[name]
        return np.ascontiguousarray(x, dtype=np.float32)

    def deprocess(self, name, data):
        """One item of input `name` back to an image (the steps of preprocess undone in reverse)."""
        self._check_input(name)
        x = np.array(data, dtype=np.float32)
        if x.ndim == len(self.inputs[name]) and x.shape[0] == 1:  # a batch of one, as net.blobs[name].data
            x = x[0]
        if name in self.input_scale:
            x = x / self.input_scale[name]
        if name in self.mean:
            x = x + self.mean[name]
        if name in self.raw_scale:
            x = x / self.raw_scale[name]
        if name in self.channel_swap:
            x = x[list(np.argsort(self.channel_swap[name])), ...]
        if name in self.transpose:
            x = x.transpose(np.argsort(self.transpose[name]))
        return x
