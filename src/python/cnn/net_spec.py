"""pycaffe's cnn.net_spec: write a net as Python calls and get its
NetParameter (and prototxt).

    from cnn import layers as L, params as P, NetSpec
    n = NetSpec()
    n.data = L.Input(shape=dict(dim=[1, 1, 28, 28]))
    n.conv1 = L.Convolution(n.data, kernel_size=5, num_output=20, weight_filler=dict(type='xavier'))
    n.pool1 = L.Pooling(n.conv1, kernel_size=2, stride=2, pool=P.Pooling.MAX)
    print(n.to_proto())

A keyword argument is a field of the layer's own parameter message
(convolution_param for a Convolution ...) when it has one, else of the
LayerParameter itself (name, loss_weight, include, and anything ending in
"param"). Dicts fill sub-messages, lists fill repeated fields. ntop=N gives N
tops, in_place=True writes into the bottom. Tops and layers take the names
of the NetSpec attributes they are assigned to; the others are named after
their type and a counter (Convolution1, ...), as in pycaffe.
"""
from collections import Counter, OrderedDict

from google.protobuf.descriptor import FieldDescriptor

from .proto import cnn_pb2


def param_name_dict():
    """Layer type -> the prefix of its parameter field ('InnerProduct' -> 'inner_product')."""
    mapping = {}
    for field in cnn_pb2.LayerParameter.DESCRIPTOR.fields:
        if field.name.endswith('_param') and field.message_type is not None:
            type_name = field.message_type.name
            if type_name.endswith('Parameter'):
                mapping[type_name[:-len('Parameter')]] = field.name[:-len('_param')]
    return mapping


_PARAM_NAMES = param_name_dict()


def assign_proto(proto, name, value):
    """Sets field `name` of `proto` from a Python value: a dict fills a
    message, a list (or one value) a repeated field."""
    field = proto.DESCRIPTOR.fields_by_name.get(name)
    if field is None:
        raise KeyError(name)
    if field.label == FieldDescriptor.LABEL_REPEATED:
        values = value if isinstance(value, (list, tuple)) else [value]
        container = getattr(proto, name)
        for v in values:
            if isinstance(v, dict):
                item = container.add()
                for k, sub in v.items():
                    assign_proto(item, k, sub)
            else:
                container.append(v)
    elif isinstance(value, dict):
        message = getattr(proto, name)
        for k, sub in value.items():
            assign_proto(message, k, sub)
    else:
        setattr(proto, name, value)


class Top:
    """One output of a layer function; NetSpec attributes hold these."""

    def __init__(self, fn, n):
        self.fn = fn
        self.n = n

    def to_proto(self):
        """The NetParameter of everything this top depends on."""
        return to_proto(self)

    def _to_proto(self, layers, names, autonames):
        return self.fn._to_proto(layers, names, autonames)


class Function:
    """A layer in the making: its type, bottoms (Tops) and parameters."""

    def __init__(self, type_name, inputs, params):
        for i, bottom in enumerate(inputs):
            if not isinstance(bottom, Top):
                raise TypeError('{} layer: bottom {} is {!r}, not a top of another layer'.format(type_name, i, bottom))
        params = dict(params)
        self.type_name = type_name
        self.inputs = tuple(inputs)
        self.ntop = params.pop('ntop', 1)
        self.in_place = params.pop('in_place', False)
        if self.in_place and (self.ntop != 1 or len(self.inputs) != 1):
            raise ValueError('{} layer: in_place needs one bottom and one top'.format(type_name))
        self.params = params
        self.tops = tuple(Top(self, n) for n in range(self.ntop))

    def _auto_name(self, autonames):
        autonames[self.type_name] += 1
        return self.type_name + str(autonames[self.type_name])

    def _top_name(self, top, names, autonames):
        if top not in names:
            names[top] = top.fn._auto_name(autonames)
        return names[top]

    def _layer_name(self, names, autonames):
        # A layer is named after its first top (given or automatic).
        if self not in names:
            names[self] = self._top_name(self.tops[0], names, autonames) if self.ntop else self._auto_name(autonames)
        return names[self]

    def _to_proto(self, layers, names, autonames):
        if self in layers:
            return
        bottoms = []
        for bottom in self.inputs:
            bottom._to_proto(layers, names, autonames)
            bottoms.append(layers[bottom.fn].top[bottom.n])
        layer = cnn_pb2.LayerParameter()
        layer.type = self.type_name
        layer.bottom.extend(bottoms)
        if self.in_place:
            layer.top.extend(bottoms)
        else:
            layer.top.extend(self._top_name(top, names, autonames) for top in self.tops)
        layer.name = self._layer_name(names, autonames)
        prefix = _PARAM_NAMES.get(self.type_name)
        for key, value in self.params.items():
            own = getattr(layer, prefix + '_param') if prefix and not key.endswith('param') else None
            if own is not None and key in own.DESCRIPTOR.fields_by_name:
                assign_proto(own, key, value)
            elif key in layer.DESCRIPTOR.fields_by_name:
                assign_proto(layer, key, value)
            else:
                raise ValueError("{} layer '{}': no field {!r} in {}".format(
                    self.type_name, layer.name, key,
                    'LayerParameter or ' + prefix + '_param' if prefix else 'LayerParameter'))
        layers[self] = layer


class NetSpec:
    """Tops assigned as attributes (or items) name themselves and their layers."""

    def __init__(self):
        super().__setattr__('tops', OrderedDict())

    def __setattr__(self, name, value):
        self.tops[name] = value

    def __getattr__(self, name):
        try:
            return self.tops[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setitem__(self, key, value):
        self.__setattr__(key, value)

    def __getitem__(self, item):
        return self.tops[item]

    def __delitem__(self, name):
        del self.tops[name]

    def keys(self):
        return list(self.tops.keys())

    def vals(self):
        return list(self.tops.values())

    def to_proto(self):
        names = {top: name for name, top in self.tops.items()}
        autonames = Counter()
        layers = OrderedDict()
        for top in self.tops.values():
            top._to_proto(layers, names, autonames)
        net = cnn_pb2.NetParameter()
        net.layer.extend(layers.values())
        return net


def to_proto(*tops):
    """The NetParameter of the layers the given tops depend on."""
    layers = OrderedDict()
    autonames = Counter()
    names = {}
    for top in tops:
        top.fn._to_proto(layers, names, autonames)
    net = cnn_pb2.NetParameter()
    net.layer.extend(layers.values())
    return net


class Layers:
    """L.Convolution(bottom, ...) makes a Convolution layer: any attribute is a layer type."""

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)

        def layer_fn(*args, **kwargs):
            fn = Function(name, args, kwargs)
            if fn.ntop == 0:
                return fn
            if fn.ntop == 1:
                return fn.tops[0]
            return fn.tops
        return layer_fn


class Parameters:
    """P.Pooling.MAX is PoolingParameter's enum value MAX."""

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        message = getattr(cnn_pb2, name + 'Parameter')

        class Param:
            def __getattr__(self, value_name):
                return getattr(message, value_name)
        return Param()


layers = Layers()
params = Parameters()
