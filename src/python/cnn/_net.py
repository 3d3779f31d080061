"""pycaffe's Python-side members of Net: dictionaries of blobs and params,
forward/backward with named inputs and layer ranges, and the batched
forward_all/forward_backward_all.

The lists a net is made of never change once it is built, so each dictionary
is built on first use and kept on the Net object.
"""
from collections import OrderedDict

import numpy as np

from ._cnn import Net


def _cached(name, build):
    def get(self):
        d = self.__dict__
        if name not in d:
            d[name] = build(self)
        return d[name]
    get.__name__ = name
    return property(get)


def _layer_index(net, name, what):
    index = net._layer_index.get(name)
    if index is None:
        raise ValueError("{}: net '{}' has no layer named {!r}".format(what, net.name, name))
    return index


def _check_names(net, names, what):
    blobs = net.blobs
    for n in names:
        if n not in blobs:
            raise KeyError("{}: net '{}' has no blob named {!r}".format(what, net.name, n))


def _assign(blob, name, array, part, what):
    array = np.asarray(array)
    target = blob.data if part == 'data' else blob.diff
    if array.shape != target.shape:
        raise ValueError("{}: array of shape {} for blob '{}' of shape {}; reshape the blob first "
                         "(net.blobs[{!r}].reshape(...), then net.reshape())".format(
                             what, tuple(array.shape), name, tuple(target.shape), name))
    target[...] = array


def _forward(self, blobs=None, start=None, end=None, **kwargs):
    """Runs the layers from `start` to `end` (names, inclusive; default all),
    after copying keyword arrays into the input blobs of the same name.
    Returns {name: array} for the net's outputs (or the tops of `end`) and the
    blobs listed in `blobs`; the arrays are views, overwritten by the next
    forward."""
    blobs = list(blobs or [])
    _check_names(self, blobs, 'forward')
    start_index = 0 if start is None else _layer_index(self, start, 'forward')
    if end is None:
        end_index = len(self._layer_names) - 1
        outputs = self.outputs + blobs
    else:
        end_index = _layer_index(self, end, 'forward')
        outputs = self.top_names[end] + blobs
    for name, array in kwargs.items():
        if name not in self._input_set:
            raise KeyError("forward: {!r} is not an input of net '{}' (inputs: {})".format(
                name, self.name, ', '.join(self.inputs) or 'none'))
        _assign(self.blobs[name], name, array, 'data', 'forward')
    self._forward(start_index, end_index)
    return {name: self.blobs[name].data for name in OrderedDict.fromkeys(outputs)}


def _backward(self, diffs=None, start=None, end=None, **kwargs):
    """Runs the backward pass from `start` down to `end` (layer names;
    default all), after copying keyword arrays into the diffs of the output
    blobs of the same name. Returns {name: diff} for the net's inputs (or the
    bottoms of `end`) and the blobs listed in `diffs`."""
    diffs = list(diffs or [])
    _check_names(self, diffs, 'backward')
    start_index = len(self._layer_names) - 1 if start is None else _layer_index(self, start, 'backward')
    if end is None:
        end_index = 0
        outputs = self.inputs + diffs
    else:
        end_index = _layer_index(self, end, 'backward')
        outputs = self.bottom_names[end] + diffs
    for name, array in kwargs.items():
        if name not in self._output_set:
            raise KeyError("backward: {!r} is not an output of net '{}' (outputs: {})".format(
                name, self.name, ', '.join(self.outputs) or 'none'))
        _assign(self.blobs[name], name, array, 'diff', 'backward')
    self._backward(start_index, end_index)
    return {name: self.blobs[name].diff for name in OrderedDict.fromkeys(outputs)}


def _batches(net, kwargs):
    """Yields dicts of input batches of the net's batch size; the last one is
    padded with zeros. Also returns how many items there are."""
    if not kwargs:
        return 0, iter(())
    counts = {len(v) for v in kwargs.values()}
    if len(counts) != 1:
        raise ValueError('forward_all: the input arrays hold different numbers of items')
    total = counts.pop()
    batch = net.blobs[next(iter(kwargs))].shape[0]

    def gen():
        for i in range(0, total, batch):
            chunk = {}
            for name, array in kwargs.items():
                part = np.asarray(array[i:i + batch])
                if len(part) < batch:
                    pad = np.zeros((batch - len(part),) + part.shape[1:], dtype=part.dtype)
                    part = np.concatenate([part, pad])
                chunk[name] = part
            yield chunk
    return total, gen()


def _forward_all(self, blobs=None, **kwargs):
    """forward() over inputs of any number of items, in batches of the net's
    batch size; returns the outputs (and `blobs`) for all items, concatenated."""
    results = {}
    total, chunks = _batches(self, kwargs)
    for chunk in chunks:
        out = self.forward(blobs=blobs, **chunk)
        for name, value in out.items():
            results.setdefault(name, []).append(value.copy())
    if not kwargs:
        return {name: value.copy() for name, value in self.forward(blobs=blobs).items()}
    return {name: np.concatenate(parts)[:total] for name, parts in results.items()}


def _forward_backward_all(self, blobs=None, diffs=None, **kwargs):
    """forward() then backward() batch by batch; keyword arrays name inputs
    (forward) or outputs (their diffs, backward). Returns (outputs, diffs),
    each concatenated over all items."""
    forward_in = {k: v for k, v in kwargs.items() if k in self._input_set}
    backward_in = {k: v for k, v in kwargs.items() if k not in self._input_set}
    total, fchunks = _batches(self, forward_in)
    _, bchunks = _batches(self, backward_in)
    outs, grads = {}, {}
    fchunks, bchunks = list(fchunks) or [{}], list(bchunks)
    for i, fchunk in enumerate(fchunks):
        bchunk = bchunks[i] if i < len(bchunks) else {}
        out = self.forward(blobs=blobs, **fchunk)
        grad = self.backward(diffs=diffs, **bchunk)
        for name, value in out.items():
            outs.setdefault(name, []).append(value.copy())
        for name, value in grad.items():
            grads.setdefault(name, []).append(value.copy())
    cut = slice(None, total) if total else slice(None)
    return ({n: np.concatenate(p)[cut] for n, p in outs.items()},
            {n: np.concatenate(p)[cut] for n, p in grads.items()})


def _set_input_arrays(self, data, labels):
    """Serves data (N x C x H x W) and labels (N values) through the net's
    first layer, a MemoryData one, as pycaffe does: float32 C-contiguous
    arrays, used in place and kept alive here until the next call."""
    for name, a in (('data', data), ('labels', labels)):
        if not isinstance(a, np.ndarray) or a.dtype != np.float32 or not a.flags['C_CONTIGUOUS']:
            raise ValueError('set_input_arrays: %s must be a C-contiguous float32 numpy array' % name)
    self._set_input_arrays(data, labels)
    self._input_arrays = (data, labels)


Net.blobs = _cached('_blobs_dict', lambda n: OrderedDict(zip(n._blob_names, n._blobs)))
Net.blob_loss_weights = _cached('_blob_loss_weights_dict',
                                lambda n: OrderedDict(zip(n._blob_names, n._blob_loss_weights)))
Net.layer_dict = _cached('_layer_dict', lambda n: OrderedDict(zip(n._layer_names, n.layers)))
Net.params = _cached('_params_dict', lambda n: OrderedDict(
    (name, layer.blobs) for name, layer in zip(n._layer_names, n.layers) if layer.blobs))
Net.top_names = _cached('_top_names_dict', lambda n: OrderedDict(zip(n._layer_names, n._top_names)))
Net.bottom_names = _cached('_bottom_names_dict', lambda n: OrderedDict(zip(n._layer_names, n._bottom_names)))
Net._layer_index = _cached('_layer_index_dict', lambda n: {name: i for i, name in enumerate(n._layer_names)})
Net._input_set = _cached('_input_names_set', lambda n: frozenset(n.inputs))
Net._output_set = _cached('_output_names_set', lambda n: frozenset(n.outputs))
Net.forward = _forward
Net.backward = _backward
Net.forward_all = _forward_all
Net.forward_backward_all = _forward_backward_all
Net.set_input_arrays = _set_input_arrays
