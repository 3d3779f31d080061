"""Drawings of nets (pycaffe's caffe.draw) in Graphviz's DOT language.

draw_net_to_file(net_param, 'net.png', 'LR') writes a picture of a
NetParameter, as pycaffe does, in the look of `cnn draw`: layers are boxes
(name, type, the main settings), blobs are the edges between them, a layer
that writes its bottom in place is dashed, the net's inputs and outputs are
ellipses. Only the prototxt is read (no data files, no net is built), so
shapes are not shown; `cnn draw` shows them. Rendering runs Graphviz's `dot`
program; pydot is needed only for get_pydot_graph.
"""
import subprocess

from .proto import cnn_pb2

_LAYER_STYLE = 'shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica", fontsize=10'


def _quoted(text):
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def _included(layer, phase):
    """pycaffe's phase filter: include/exclude rules that name a phase."""
    if phase is None:
        return True
    if layer.HasField('phase'):
        return layer.phase == phase
    if layer.include:
        return any(not r.HasField('phase') or r.phase == phase for r in layer.include)
    return not any(r.HasField('phase') and r.phase == phase for r in layer.exclude)


def _settings(layer):
    """The line under a layer's type: kernel, stride, pad or outputs."""
    def first(values, default):
        return values[0] if len(values) else default
    if layer.type in ('Convolution', 'Deconvolution'):
        p = layer.convolution_param
        k = p.kernel_h or first(p.kernel_size, 1)
        return 'kernel {} stride {} pad {}, {} out'.format(k, p.stride_h or first(p.stride, 1),
                                                            p.pad_h or first(p.pad, 0), p.num_output)
    if layer.type == 'Pooling':
        p = layer.pooling_param
        pool = cnn_pb2.PoolingParameter.PoolMethod.Name(p.pool)
        if p.global_pooling:
            return pool + ' global'
        return '{} kernel {} stride {} pad {}'.format(pool, p.kernel_h or p.kernel_size, p.stride_h or p.stride,
                                                      p.pad_h or p.pad)
    if layer.type == 'InnerProduct':
        return '{} out'.format(layer.inner_product_param.num_output)
    if layer.type == 'Python':
        return '{}.{}'.format(layer.python_param.module, layer.python_param.layer)
    return ''


def get_dot_source(net_param, rankdir='LR', label_edges=True, phase=None):
    """The DOT text of a NetParameter (ours; pycaffe goes through pydot)."""
    if rankdir not in ('TB', 'LR', 'BT', 'RL'):
        raise ValueError('rankdir must be TB, LR, BT or RL, got {!r}'.format(rankdir))
    lines = ['digraph {} {{'.format(_quoted(net_param.name or 'net')), '  rankdir={};'.format(rankdir),
             '  node [{}];'.format(_LAYER_STYLE), '  edge [fontname="Helvetica", fontsize=9];']
    producer = {}  # blob name -> the node that last wrote it
    consumed = {}  # blob name -> whether a later layer reads what was last written

    def source_of(blob):
        if blob not in producer:
            node = 'input_{}'.format(len([n for n in producer.values() if n.startswith('input_')]))
            lines.append('  {} [shape=ellipse, style=filled, fillcolor="#fdf3d8", label={}];'.format(
                node, _quoted(blob)))
            producer[blob] = node
        return producer[blob]

    for i, layer in enumerate(l for l in net_param.layer if _included(l, phase)):
        node = 'layer_{}'.format(i)
        in_place = bool(set(layer.bottom) & set(layer.top))
        label = '\n'.join(t for t in (layer.name, layer.type, _settings(layer)) if t)
        style = ', style="rounded,filled,dashed", fillcolor="#f4f4f4"' if in_place else ''
        lines.append('  {} [label={}{}];'.format(node, _quoted(label), style))
        for blob in layer.bottom:
            same = blob in layer.top
            attrs = []
            if label_edges:
                attrs.append('label=' + _quoted(blob + (' (in place)' if same else '')))
            if same:
                attrs.append('style=dashed')
            lines.append('  {} -> {}{};'.format(source_of(blob), node,
                                                ' [{}]'.format(', '.join(attrs)) if attrs else ''))
            consumed[blob] = True
        for blob in layer.top:
            producer[blob] = node
            consumed[blob] = False
    # Blobs nothing reads after they were written are the net's outputs.
    for k, blob in enumerate(b for b in producer if not consumed.get(b, True)):
        node = 'output_{}'.format(k)
        lines.append('  {} [shape=ellipse, style=filled, fillcolor="#e3f4e1", label={}];'.format(node, _quoted(blob)))
        lines.append('  {} -> {};'.format(producer[blob], node))
    lines.append('}')
    return '\n'.join(lines) + '\n'


def get_pydot_graph(caffe_net, rankdir='LR', label_edges=True, phase=None, display_lrm=False):
    """pycaffe's pydot.Dot of the net (needs python3-pydot)."""
    try:
        import pydot
    except ImportError as e:
        raise ImportError('cnn.draw.get_pydot_graph needs pydot (Debian: apt-get install python3-pydot); '
                          'draw_net and draw_net_to_file need only Graphviz') from e
    return pydot.graph_from_dot_data(get_dot_source(caffe_net, rankdir, label_edges, phase))[0]


def draw_net(caffe_net, rankdir='LR', ext='png', phase=None, display_lrm=False):
    """The rendered drawing as bytes in format `ext` (png, svg, pdf, dot, ...)."""
    source = get_dot_source(caffe_net, rankdir, True, phase)
    if ext in ('dot', 'gv'):
        return source.encode()
    try:
        proc = subprocess.run(['dot', '-T' + ext], input=source.encode(), capture_output=True)
    except FileNotFoundError:
        raise RuntimeError("cannot run Graphviz's `dot` (Debian: apt-get install graphviz)") from None
    if proc.returncode != 0:
        raise RuntimeError("Graphviz's `dot` failed rendering {}: {}".format(ext, proc.stderr.decode().strip()))
    return proc.stdout


def draw_net_to_file(caffe_net, filename, rankdir='LR', phase=None, display_lrm=False):
    """Writes the drawing; the format is the file's extension, as pycaffe."""
    ext = filename[filename.rfind('.') + 1:] if '.' in filename else 'png'
    data = draw_net(caffe_net, rankdir, ext, phase, display_lrm)
    with open(filename, 'wb') as f:
        f.write(data)
