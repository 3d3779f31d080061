"""Coordinate maps between the tops of a NetSpec net (pycaffe's
caffe.coord_map), for the Crop layers of fully convolutional nets.

Each layer maps a bottom coordinate x to a top coordinate y = a * x + b on
the spatial axes (a convolution of kernel k, stride s, pad p, dilation d:
a = 1/s, b = (p - d(k-1)/2) / s, taking centres of receptive fields to
centres; a deconvolution is its inverse; element-wise layers are y = x).
coord_map_from_to(top_from, top_to) composes them through the nearest
common ancestor; crop(top_from, top_to) is the Crop layer that cuts
top_from to top_to's extent, as FCN's nets write:

    n.score = crop(n.upscore, n.data)
"""
from .net_spec import layers as L

# Layers that leave spatial coordinates as they are.
_PASS_THROUGH = {
    'AbsVal', 'BatchNorm', 'Bias', 'BNLL', 'Clip', 'Concat', 'Dropout', 'Eltwise', 'ELU', 'Exp', 'GroupNorm',
    'InstanceNorm', 'Log', 'LRN', 'MVN', 'Power', 'PReLU', 'ReLU', 'Scale', 'Sigmoid', 'Softmax', 'Split', 'Swish',
    'TanH', 'Threshold',
}


class UndefinedMapException(Exception):
    """No coordinate map through a layer (pycaffe's name)."""


def _param(fn, prefix, name, default):
    """A layer setting given flat (kernel_size=3) or as a message (convolution_param=dict(...))."""
    value = fn.params.get(prefix + '_param', {}).get(name, fn.params.get(name, default))
    if isinstance(value, (list, tuple)):
        if len(set(value)) > 1:
            raise UndefinedMapException('{} layer: {} {} differs per axis; only equal ones are mapped'.format(
                fn.type_name, name, list(value)))
        value = value[0] if value else default
    return value


def _geometry(fn, prefix):
    for name in ('kernel_h', 'kernel_w', 'stride_h', 'stride_w', 'pad_h', 'pad_w'):
        if name in fn.params or name in fn.params.get(prefix + '_param', {}):
            raise UndefinedMapException('{} layer: {} is not mapped; use kernel_size, stride, pad'.format(
                fn.type_name, name))
    k = _param(fn, prefix, 'kernel_size', None)
    if k is None:
        raise UndefinedMapException('{} layer has no kernel_size'.format(fn.type_name))
    return k, _param(fn, prefix, 'stride', 1), _param(fn, prefix, 'pad', 0), _param(fn, prefix, 'dilation', 1)


def coord_map(fn):
    """(axis, a, b) of one layer: top coordinate = a * bottom coordinate + b
    on the axes from `axis` + 1 on (axis None: any)."""
    if fn.type_name in ('Convolution', 'Pooling', 'Im2col'):
        prefix = 'pooling' if fn.type_name == 'Pooling' else 'convolution'
        if fn.type_name == 'Pooling' and _param(fn, prefix, 'global_pooling', False):
            raise UndefinedMapException('Pooling layer: global pooling has no coordinate map')
        k, s, p, d = _geometry(fn, prefix)
        return 1, 1.0 / s, (p - d * (k - 1) / 2.0) / s
    if fn.type_name == 'Deconvolution':
        k, s, p, d = _geometry(fn, 'convolution')
        return 1, float(s), d * (k - 1) / 2.0 - p
    if fn.type_name == 'Crop':
        axis = _param(fn, 'crop', 'axis', 2)
        return axis - 1, 1.0, -float(_param(fn, 'crop', 'offset', 0))
    if fn.type_name in _PASS_THROUGH:
        return None, 1.0, 0.0
    raise UndefinedMapException('no coordinate map through a {} layer'.format(fn.type_name))


def _axis(a, b):
    if a is not None and b is not None and a != b:
        raise UndefinedMapException('the maps act on different axes ({} and {})'.format(a, b))
    return a if a is not None else b


def compose(base_map, next_map):
    """next_map after base_map."""
    ax1, a1, b1 = base_map
    ax2, a2, b2 = next_map
    return _axis(ax1, ax2), a2 * a1, a2 * b1 + b2


def inverse(coord_map):
    ax, a, b = coord_map
    return ax, 1.0 / a, -b / a


def _ancestors(top, blocked):
    """Every top `top` depends on (itself included) -> the map from it to
    `top`; the layers without a map that stopped the walk go to `blocked`.
    Crop's second bottom gives only the extent, so the path goes through the first."""
    maps = {top: (None, 1.0, 0.0)}
    pending = [top]
    while pending:
        t = pending.pop(0)  # breadth first: nearer ancestors come first
        fn = t.fn
        if not fn.inputs:
            continue
        try:
            step = coord_map(fn)
        except UndefinedMapException as e:
            blocked.append(e)
            continue
        bottoms = fn.inputs[:1] if fn.type_name == 'Crop' else fn.inputs
        for bottom in bottoms:
            if bottom not in maps:
                maps[bottom] = compose(step, maps[t])
                pending.append(bottom)
    return maps


def coord_map_from_to(top_from, top_to):
    """(axis, a, b): a coordinate y of top_to is a * x + b for x of top_from."""
    blocked = []
    from_maps = _ancestors(top_from, blocked)
    to_maps = _ancestors(top_to, blocked)
    # The common ancestor nearest to top_to: the walk from it is shortest.
    common = [t for t in to_maps if t in from_maps]
    if not common:
        if blocked:
            raise blocked[0]
        raise RuntimeError('the two tops have no common ancestor')
    ancestor = common[0]
    return compose(inverse(from_maps[ancestor]), to_maps[ancestor])


def crop(top_from, top_to):
    """The Crop layer that cuts top_from to top_to's spatial extent."""
    ax, a, b = coord_map_from_to(top_from, top_to)
    if abs(a - 1) > 1e-9:
        raise AssertionError('scales differ (factor {}): cropping cannot align them'.format(a))
    if b > 1e-9:
        raise AssertionError('top_to starts {} before top_from: nothing to crop'.format(b))
    if abs(b - round(b)) > 1e-9:
        raise AssertionError('the offset {} is not a whole number of pixels'.format(-b))
    return L.Crop(top_from, top_to, crop_param=dict(axis=(ax if ax is not None else 1) + 1, offset=[int(round(-b))]))
