#!/usr/bin/env python3
"""Writes the classic nets of models/<name>/ (all but lenet, which is written
by hand): train_val.prototxt, deploy.prototxt and solver.prototxt for each.

The nets are built from the papers' descriptions with a few helpers, so a
ResNet-50 is forty lines here instead of two thousand by hand, and every net
follows the same conventions: Caffe's layer names where a public Caffe
caffemodel exists for the architecture (so its weights load by name), weights
learn at lr_mult 1 with decay, biases at lr_mult 2 without, BatchNorm's three
statistics blobs never learn and its Scale (the affine) learns without decay, and the Data layers read LMDBs under data/ that
the user builds (see each model's README line in the main README).

    python3 models/zoo.py            # rewrite every model
    python3 models/zoo.py --check    # exit 1 if a committed file differs

Edit this file, not the generated ones; tests build and train every model.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


class Net:
    """Collects layers as prototxt text; `top` of the last layer is tracked."""

    def __init__(self, name):
        self.name = name
        self.layers = []

    def add(self, text):
        self.layers.append(text)

    def text(self, header):
        lines = ["# " + line if line else "#" for line in header.strip().split("\n")]
        return "\n".join(lines) + "\n" + 'name: "%s"\n' % self.name + "".join(self.layers)


def block(body, indent="  "):
    return "".join(indent + line + "\n" for line in body.strip().split("\n"))


def layer(name, type_, bottoms, tops, body=""):
    head = 'layer {\n  name: "%s"\n  type: "%s"\n' % (name, type_)
    for b in bottoms:
        head += '  bottom: "%s"\n' % b
    for t in tops:
        head += '  top: "%s"\n' % t
    return head + (block(body) if body else "") + "}\n"


LEARN_WEIGHTS = "param { lr_mult: 1 decay_mult: 1 }\nparam { lr_mult: 2 decay_mult: 0 }"
LEARN_WEIGHTS_NO_BIAS = "param { lr_mult: 1 decay_mult: 1 }"


def filler(kind, std=None, value=None):
    if kind == "gaussian":
        return 'type: "gaussian" std: %g' % std
    if kind == "constant":
        return 'type: "constant" value: %g' % (value or 0)
    return 'type: "%s"' % kind


def conv(net, name, bottom, num_output, kernel, stride=1, pad=0, group=1, bias=True, weight="msra",
         std=0.01, bias_value=0, top=None, dilation=1):
    params = "num_output: %d\nkernel_size: %d" % (num_output, kernel)
    if stride != 1:
        params += "\nstride: %d" % stride
    if pad:
        params += "\npad: %d" % pad
    if group != 1:
        params += "\ngroup: %d" % group
    if dilation != 1:
        params += "\ndilation: %d" % dilation
    if not bias:
        params += "\nbias_term: false"
    params += "\nweight_filler { %s }" % filler(weight, std)
    if bias:
        params += "\nbias_filler { %s }" % filler("constant", value=bias_value)
    body = (LEARN_WEIGHTS if bias else LEARN_WEIGHTS_NO_BIAS) + "\nconvolution_param {\n" + block(params) + "}"
    net.add(layer(name, "Convolution", [bottom], [top or name], body))
    return top or name


def relu(net, name, blob):
    net.add(layer(name, "ReLU", [blob], [blob]))
    return blob


def sigmoid(net, name, blob):
    net.add(layer(name, "Sigmoid", [blob], [blob]))
    return blob


def pool(net, name, bottom, method, kernel, stride, pad=0, global_pool=False):
    if global_pool:
        params = "pool: %s global_pooling: true" % method
    else:
        params = "pool: %s kernel_size: %d stride: %d" % (method, kernel, stride)
        if pad:
            params += " pad: %d" % pad
    net.add(layer(name, "Pooling", [bottom], [name], "pooling_param { %s }" % params))
    return name


def lrn(net, name, bottom, local_size, alpha, beta, within_channel=False):
    params = "local_size: %d alpha: %g beta: %g" % (local_size, alpha, beta)
    if within_channel:
        params += " norm_region: WITHIN_CHANNEL"
    net.add(layer(name, "LRN", [bottom], [name], "lrn_param { %s }" % params))
    return name


def fc(net, name, bottom, num_output, weight="gaussian", std=0.005, bias_value=0, decay_mult=1):
    learn = LEARN_WEIGHTS if decay_mult == 1 else \
        "param { lr_mult: 1 decay_mult: %g }\nparam { lr_mult: 2 decay_mult: 0 }" % decay_mult
    params = "num_output: %d\nweight_filler { %s }\nbias_filler { %s }" % (
        num_output, filler(weight, std), filler("constant", value=bias_value))
    net.add(layer(name, "InnerProduct", [bottom], [name], learn + "\ninner_product_param {\n" + block(params) + "}"))
    return name


def dropout(net, name, blob, ratio=0.5):
    net.add(layer(name, "Dropout", [blob], [blob], "dropout_param { dropout_ratio: %g }" % ratio))
    return blob


def batch_norm(net, bn_name, scale_name, blob):
    """Caffe's style: BatchNorm (statistics only, never learned) then Scale
    with a bias (the learned affine), both in place."""
    net.add(layer(bn_name, "BatchNorm", [blob], [blob],
                  "param { lr_mult: 0 decay_mult: 0 }\nparam { lr_mult: 0 decay_mult: 0 }\n"
                  "param { lr_mult: 0 decay_mult: 0 }"))
    net.add(layer(scale_name, "Scale", [blob], [blob],
                  "param { lr_mult: 1 decay_mult: 0 }\nparam { lr_mult: 1 decay_mult: 0 }\n"
                  "scale_param { bias_term: true }"))
    return blob


def eltwise_sum(net, name, a, b):
    net.add(layer(name, "Eltwise", [a, b], [name], "eltwise_param { operation: SUM }"))
    return name


def concat(net, name, bottoms):
    net.add(layer(name, "Concat", bottoms, [name]))
    return name


def data_layers(net, train_source, test_source, train_batch, test_batch, transform_train, transform_test,
                name="data"):
    for phase, source, batch, transform in (("TRAIN", train_source, train_batch, transform_train),
                                            ("TEST", test_source, test_batch, transform_test)):
        body = "include { phase: %s }\ntransform_param { %s }\ndata_param { source: \"%s\" batch_size: %d " \
               "backend: LMDB }" % (phase, transform, source, batch)
        net.add(layer(name, "Data", [], ["data", "label"], body))


def input_layer(net, shape):
    dims = " ".join("dim: %d" % d for d in shape)
    net.add(layer("data", "Input", [], ["data"], "input_param { shape { %s } }" % dims))


def classifier_outputs(net, scores, top5=True):
    net.add(layer("loss", "SoftmaxWithLoss", [scores, "label"], ["loss"]))
    net.add(layer("accuracy", "Accuracy", [scores, "label"], ["accuracy"], "include { phase: TEST }"))
    if top5:
        net.add(layer("accuracy_top5", "Accuracy", [scores, "label"], ["accuracy_top5"],
                      "include { phase: TEST }\naccuracy_param { top_k: 5 }"))


def deploy_output(net, scores):
    net.add(layer("prob", "Softmax", [scores], ["prob"]))


# ---- ImageNet data (the user converts ILSVRC-2012 with `cnn convert_imageset`) ----
IMAGENET_TRAIN = "data/ilsvrc12/ilsvrc12_train_lmdb"
IMAGENET_VAL = "data/ilsvrc12/ilsvrc12_val_lmdb"
BGR_MEAN = "mean_value: 104 mean_value: 117 mean_value: 123"


def imagenet_data(net, crop, train_batch, test_batch):
    data_layers(net, IMAGENET_TRAIN, IMAGENET_VAL, train_batch, test_batch,
                "mirror: true crop_size: %d %s" % (crop, BGR_MEAN), "mirror: false crop_size: %d %s" % (crop, BGR_MEAN))


# ---- CIFAR-10 (data/cifar10/convert.sh) ----
CIFAR_TRAIN = "data/cifar10/cifar10_train_lmdb"
CIFAR_TEST = "data/cifar10/cifar10_test_lmdb"
CIFAR_MEAN = 'mean_file: "data/cifar10/mean.binaryproto"'


def cifar_data(net, train_batch=100, test_batch=100):
    data_layers(net, CIFAR_TRAIN, CIFAR_TEST, train_batch, test_batch, CIFAR_MEAN, CIFAR_MEAN)


# ---- The nets. Each body function takes the net and its input blob and returns the scores blob. ----

def cifar10_quick(net, x):
    x = conv(net, "conv1", x, 32, 5, pad=2, weight="gaussian", std=0.0001)
    x = pool(net, "pool1", x, "MAX", 3, 2)
    x = relu(net, "relu1", x)
    x = conv(net, "conv2", x, 32, 5, pad=2, weight="gaussian", std=0.01)
    x = relu(net, "relu2", x)
    x = pool(net, "pool2", x, "AVE", 3, 2)
    x = conv(net, "conv3", x, 64, 5, pad=2, weight="gaussian", std=0.01)
    x = relu(net, "relu3", x)
    x = pool(net, "pool3", x, "AVE", 3, 2)
    x = fc(net, "ip1", x, 64, std=0.1)
    return fc(net, "ip2", x, 10, std=0.1)


def cifar10_full(net, x, activation="relu", bn=False):
    """Krizhevsky's 18%-error CIFAR-10 net: three conv stages with local
    response normalisation within channels; the sigmoid variants replace ReLU
    and LRN by sigmoids (and BatchNorm before them in the BN variant)."""
    stds = (0.0001, 0.01, 0.01)
    widths = (32, 32, 64)
    for i in range(3):
        n = str(i + 1)
        x = conv(net, "conv" + n, x, widths[i], 5, pad=2, weight="gaussian", std=stds[i], bias=not bn)
        if activation == "relu":
            if i == 0:
                x = pool(net, "pool1", x, "MAX", 3, 2)
                x = relu(net, "relu1", x)
            else:
                x = relu(net, "relu" + n, x)
                x = pool(net, "pool" + n, x, "AVE", 3, 2)
            if i < 2:
                x = lrn(net, "norm" + n, x, 3, 5e-05, 0.75, within_channel=True)
        else:
            x = pool(net, "pool" + n, x, "MAX" if i == 0 else "AVE", 3, 2)
            if bn:
                x = batch_norm(net, "bn" + n, "scale" + n, x)
            x = sigmoid(net, "sigmoid" + n, x)
    return fc(net, "ip1", x, 10, std=0.01, decay_mult=250 if activation == "relu" else 1)


def alexnet(net, x, caffenet=False):
    """Krizhevsky et al. 2012. CaffeNet is the variant that pools before
    normalising."""

    def pool_and_norm(n, x):
        if caffenet:
            return lrn(net, "norm" + n, pool(net, "pool" + n, x, "MAX", 3, 2), 5, 0.0001, 0.75)
        return pool(net, "pool" + n, lrn(net, "norm" + n, x, 5, 0.0001, 0.75), "MAX", 3, 2)

    x = relu(net, "relu1", conv(net, "conv1", x, 96, 11, stride=4, weight="gaussian", std=0.01))
    x = pool_and_norm("1", x)
    x = relu(net, "relu2", conv(net, "conv2", x, 256, 5, pad=2, group=2, weight="gaussian", std=0.01,
                                bias_value=0.1))
    x = pool_and_norm("2", x)
    x = relu(net, "relu3", conv(net, "conv3", x, 384, 3, pad=1, weight="gaussian", std=0.01))
    x = relu(net, "relu4", conv(net, "conv4", x, 384, 3, pad=1, group=2, weight="gaussian", std=0.01,
                                bias_value=0.1))
    x = relu(net, "relu5", conv(net, "conv5", x, 256, 3, pad=1, group=2, weight="gaussian", std=0.01,
                                bias_value=0.1))
    x = pool(net, "pool5", x, "MAX", 3, 2)
    for n in ("6", "7"):
        x = fc(net, "fc" + n, x, 4096, std=0.005, bias_value=0.1)
        x = relu(net, "relu" + n, x)
        x = dropout(net, "drop" + n, x)
    return fc(net, "fc8", x, 1000, std=0.01)


def vgg(net, x, depth):
    """Simonyan and Zisserman 2014: 3x3 convolutions in five stages."""
    per_stage = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}[depth]
    widths = (64, 128, 256, 512, 512)
    for s, (count, width) in enumerate(zip(per_stage, widths)):
        for i in range(count):
            name = "conv%d_%d" % (s + 1, i + 1)
            x = conv(net, name, x, width, 3, pad=1, weight="xavier")
            x = relu(net, "relu%d_%d" % (s + 1, i + 1), x)
        x = pool(net, "pool%d" % (s + 1), x, "MAX", 2, 2)
    for n in ("6", "7"):
        x = fc(net, "fc" + n, x, 4096, std=0.005, bias_value=0.1)
        x = relu(net, "relu" + n, x)
        x = dropout(net, "drop" + n, x)
    return fc(net, "fc8", x, 1000, std=0.01)


def inception(net, name, x, c1, c3r, c3, c5r, c5, pp):
    """Szegedy et al. 2014: four parallel branches concatenated by channel."""
    p = name + "/"
    b1 = relu(net, p + "relu_1x1", conv(net, p + "1x1", x, c1, 1, weight="xavier", bias_value=0.2))
    b3 = relu(net, p + "relu_3x3_reduce", conv(net, p + "3x3_reduce", x, c3r, 1, weight="xavier", bias_value=0.2))
    b3 = relu(net, p + "relu_3x3", conv(net, p + "3x3", b3, c3, 3, pad=1, weight="xavier", bias_value=0.2))
    b5 = relu(net, p + "relu_5x5_reduce", conv(net, p + "5x5_reduce", x, c5r, 1, weight="xavier", bias_value=0.2))
    b5 = relu(net, p + "relu_5x5", conv(net, p + "5x5", b5, c5, 5, pad=2, weight="xavier", bias_value=0.2))
    bp = pool(net, p + "pool", x, "MAX", 3, 1, pad=1)
    bp = relu(net, p + "relu_pool_proj", conv(net, p + "pool_proj", bp, pp, 1, weight="xavier", bias_value=0.2))
    return concat(net, p + "output", [b1, b3, b5, bp])


def googlenet_aux(net, name, x, training):
    """An auxiliary classifier (loss weight 0.3); only in the train/val net."""
    p = name + "/"
    x = pool(net, p + "ave_pool", x, "AVE", 5, 3)
    x = relu(net, p + "relu_conv", conv(net, p + "conv", x, 128, 1, weight="xavier", bias_value=0.2))
    x = relu(net, p + "relu_fc", fc(net, p + "fc", x, 1024, weight="xavier", bias_value=0.2))
    x = dropout(net, p + "drop_fc", x, 0.7)
    scores = fc(net, p + "classifier", x, 1000, weight="xavier")
    net.add(layer(p + "loss", "SoftmaxWithLoss", [scores, "label"], [p + "loss"], "loss_weight: 0.3"))
    net.add(layer(p + "top-1", "Accuracy", [scores, "label"], [p + "top-1"], "include { phase: TEST }"))


def googlenet(net, x, training):
    x = relu(net, "conv1/relu_7x7", conv(net, "conv1/7x7_s2", x, 64, 7, stride=2, pad=3, weight="xavier",
                                         bias_value=0.2))
    x = pool(net, "pool1/3x3_s2", x, "MAX", 3, 2)
    x = lrn(net, "pool1/norm1", x, 5, 0.0001, 0.75)
    x = relu(net, "conv2/relu_3x3_reduce", conv(net, "conv2/3x3_reduce", x, 64, 1, weight="xavier", bias_value=0.2))
    x = relu(net, "conv2/relu_3x3", conv(net, "conv2/3x3", x, 192, 3, pad=1, weight="xavier", bias_value=0.2))
    x = lrn(net, "conv2/norm2", x, 5, 0.0001, 0.75)
    x = pool(net, "pool2/3x3_s2", x, "MAX", 3, 2)
    x = inception(net, "inception_3a", x, 64, 96, 128, 16, 32, 32)
    x = inception(net, "inception_3b", x, 128, 128, 192, 32, 96, 64)
    x = pool(net, "pool3/3x3_s2", x, "MAX", 3, 2)
    x = inception(net, "inception_4a", x, 192, 96, 208, 16, 48, 64)
    if training:
        googlenet_aux(net, "loss1", x, training)
    x = inception(net, "inception_4b", x, 160, 112, 224, 24, 64, 64)
    x = inception(net, "inception_4c", x, 128, 128, 256, 24, 64, 64)
    x = inception(net, "inception_4d", x, 112, 144, 288, 32, 64, 64)
    if training:
        googlenet_aux(net, "loss2", x, training)
    x = inception(net, "inception_4e", x, 256, 160, 320, 32, 128, 128)
    x = pool(net, "pool4/3x3_s2", x, "MAX", 3, 2)
    x = inception(net, "inception_5a", x, 256, 160, 320, 32, 128, 128)
    x = inception(net, "inception_5b", x, 384, 192, 384, 48, 128, 128)
    x = pool(net, "pool5/7x7_s1", x, "AVE", 7, 1)
    x = dropout(net, "pool5/drop_7x7_s1", x, 0.4)
    return fc(net, "loss3/classifier", x, 1000, weight="xavier")


def conv_bn(net, conv_name, bn_name, scale_name, x, num_output, kernel, stride=1, pad=0, group=1, activate=True,
            relu_name=None):
    """Convolution without bias, BatchNorm + Scale in place, ReLU in place."""
    x = conv(net, conv_name, x, num_output, kernel, stride=stride, pad=pad, group=group, bias=False)
    x = batch_norm(net, bn_name, scale_name, x)
    if activate:
        x = relu(net, relu_name or conv_name + "_relu", x)
    return x


def resnet_unit(net, stage, letter, x, in_channels, width, stride, bottleneck):
    """He et al. 2015 residual unit, in the naming of the authors' Caffe
    models (res2a_branch2a, bn2a_branch2a, scale2a_branch2a, ...)."""
    tag = "%d%s" % (stage, letter)
    out_channels = width * 4 if bottleneck else width

    def names(branch):
        return "res%s_branch%s" % (tag, branch), "bn%s_branch%s" % (tag, branch), "scale%s_branch%s" % (tag, branch)

    if stride != 1 or in_channels != out_channels:
        shortcut = conv_bn(net, *names("1"), x, out_channels, 1, stride=stride, activate=False)
    else:
        shortcut = x
    if bottleneck:
        y = conv_bn(net, *names("2a"), x, width, 1, stride=stride, relu_name="res%s_branch2a_relu" % tag)
        y = conv_bn(net, *names("2b"), y, width, 3, pad=1, relu_name="res%s_branch2b_relu" % tag)
        y = conv_bn(net, *names("2c"), y, out_channels, 1, activate=False)
    else:
        y = conv_bn(net, *names("2a"), x, width, 3, stride=stride, pad=1, relu_name="res%s_branch2a_relu" % tag)
        y = conv_bn(net, *names("2b"), y, width, 3, pad=1, activate=False)
    out = eltwise_sum(net, "res" + tag, shortcut, y)
    return relu(net, "res%s_relu" % tag, out), out_channels


def resnet(net, x, depth):
    units, bottleneck = {18: ((2, 2, 2, 2), False), 50: ((3, 4, 6, 3), True)}[depth]
    x = conv_bn(net, "conv1", "bn_conv1", "scale_conv1", x, 64, 7, stride=2, pad=3, relu_name="conv1_relu")
    x = pool(net, "pool1", x, "MAX", 3, 2)
    channels = 64
    for s, count in enumerate(units):
        stage = s + 2
        for u in range(count):
            letter = "abcdefghijklmnop"[u]
            stride = 2 if (u == 0 and stage > 2) else 1
            x, channels = resnet_unit(net, stage, letter, x, channels, 64 * 2 ** s, stride, bottleneck)
    x = pool(net, "pool5", x, "AVE", 0, 0, global_pool=True)
    return fc(net, "fc1000", x, 1000, weight="msra")


def fmnist_resnet(net, x):
    """A small pre-ImageNet-style residual net for 28x28 grey images (He et
    al.'s CIFAR ResNets, three stages of two basic units, 16/32/64 channels),
    in the same Caffe style as resnet18: BatchNorm + Scale, Eltwise shortcuts."""
    x = conv_bn(net, "conv1", "bn_conv1", "scale_conv1", x, 16, 3, pad=1, relu_name="conv1_relu")
    channels = 16
    for s, width in enumerate((16, 32, 64)):
        for u in range(2):
            stride = 2 if (u == 0 and s > 0) else 1
            x, channels = resnet_unit(net, s + 2, "ab"[u], x, channels, width, stride, bottleneck=False)
    x = pool(net, "pool5", x, "AVE", 0, 0, global_pool=True)
    return fc(net, "fc10", x, 10, weight="msra")


def mobilenet_v1(net, x):
    """Howard et al. 2017: a 3x3 convolution, then 13 depthwise-separable
    blocks (3x3 depthwise, group = channels, and 1x1 pointwise), each
    convolution followed by BatchNorm, Scale and ReLU."""
    x = conv_bn(net, "conv1", "conv1/bn", "conv1/scale", x, 32, 3, stride=2, pad=1, relu_name="relu1")
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    channels = 32
    for i, (out, stride) in enumerate(plan):
        n = "conv%d_" % (i + 2)
        x = conv_bn(net, n + "dw", n + "dw/bn", n + "dw/scale", x, channels, 3, stride=stride, pad=1,
                    group=channels, relu_name="relu%d_dw" % (i + 2))
        x = conv_bn(net, n + "sep", n + "sep/bn", n + "sep/scale", x, out, 1, relu_name="relu%d_sep" % (i + 2))
        channels = out
    x = pool(net, "pool6", x, "AVE", 0, 0, global_pool=True)
    return fc(net, "fc7", x, 1000, weight="msra")


def fcn32s(net, x, classes=21):
    """Long, Shelhamer and Darrell 2015: VGG-16 made fully convolutional
    (fc6/fc7 as convolutions), a 1x1 classifier, a stride-32 Deconvolution
    initialised as bilinear upsampling and frozen, and a Crop back to the
    input's size. conv1_1's padding of 100 keeps every input size valid."""
    for s, (count, width) in enumerate(zip((2, 2, 3, 3, 3), (64, 128, 256, 512, 512))):
        for i in range(count):
            name = "conv%d_%d" % (s + 1, i + 1)
            x = conv(net, name, x, width, 3, pad=100 if (s, i) == (0, 0) else 1, weight="xavier")
            x = relu(net, "relu%d_%d" % (s + 1, i + 1), x)
        x = pool(net, "pool%d" % (s + 1), x, "MAX", 2, 2)
    x = relu(net, "relu6", conv(net, "fc6", x, 4096, 7, weight="xavier"))
    x = dropout(net, "drop6", x)
    x = relu(net, "relu7", conv(net, "fc7", x, 4096, 1, weight="xavier"))
    x = dropout(net, "drop7", x)
    x = conv(net, "score_fr", x, classes, 1, weight="constant")
    net.add(layer("upscore", "Deconvolution", [x], ["upscore"],
                  "param { lr_mult: 0 }\nconvolution_param {\n  num_output: %d\n  group: %d\n  kernel_size: 64\n"
                  "  stride: 32\n  bias_term: false\n  weight_filler { type: \"bilinear\" }\n}" % (classes, classes)))
    net.add(layer("score", "Crop", ["upscore", "data"], ["score"], "crop_param { axis: 2 offset: 19 }"))
    return "score"


# ---- Model table: data, body, solver, deploy input ----

def imagenet_solver(name, base_lr, policy, max_iter, extra, weight_decay=0.0005, test_iter=1000,
                    test_interval=4000, momentum=0.9):
    return {"base_lr": base_lr, "lr_policy": policy, "max_iter": max_iter, "extra": extra,
            "weight_decay": weight_decay, "test_iter": test_iter, "test_interval": test_interval,
            "momentum": momentum, "display": 20, "snapshot": 10000}


MODELS = {
    "cifar10_quick": dict(
        about="CIFAR-10 quick (the cuda-convnet 'quick' net): 3 conv stages, about 75% test accuracy after "
              "5,000 iterations of 100 images.",
        data=lambda net: cifar_data(net), body=cifar10_quick, input=(1, 3, 32, 32), top5=False,
        solver={"base_lr": 0.001, "lr_policy": "multistep", "max_iter": 5000, "extra": "stepvalue: 4000\ngamma: 0.1",
                "weight_decay": 0.004, "test_iter": 100, "test_interval": 500, "momentum": 0.9,
                "display": 100, "snapshot": 5000}),
    "cifar10_full": dict(
        about="CIFAR-10 full (Krizhevsky's 18% net): conv stages with within-channel LRN, about 81% after "
              "70,000 iterations.",
        data=lambda net: cifar_data(net), body=cifar10_full, input=(1, 3, 32, 32), top5=False,
        solver={"base_lr": 0.001, "lr_policy": "multistep", "max_iter": 70000,
                "extra": "stepvalue: 60000\nstepvalue: 65000\ngamma: 0.1", "weight_decay": 0.004,
                "test_iter": 100, "test_interval": 1000, "momentum": 0.9, "display": 200, "snapshot": 10000}),
    "cifar10_full_sigmoid": dict(
        about="CIFAR-10 full with sigmoids instead of ReLU and LRN: learns slowly, the case BatchNorm was made for.",
        data=lambda net: cifar_data(net), body=lambda net, x: cifar10_full(net, x, "sigmoid"), input=(1, 3, 32, 32),
        top5=False,
        solver={"base_lr": 0.001, "lr_policy": "step", "max_iter": 60000, "extra": "stepsize: 5000\ngamma: 1",
                "weight_decay": 0, "test_iter": 10, "test_interval": 1000, "momentum": 0.9, "display": 100,
                "snapshot": 10000}),
    "cifar10_full_sigmoid_bn": dict(
        about="CIFAR-10 full with sigmoids and BatchNorm + Scale before each: trains far faster than without.",
        data=lambda net: cifar_data(net), body=lambda net, x: cifar10_full(net, x, "sigmoid", bn=True),
        input=(1, 3, 32, 32), top5=False,
        solver={"base_lr": 0.001, "lr_policy": "step", "max_iter": 60000, "extra": "stepsize: 5000\ngamma: 1",
                "weight_decay": 0, "test_iter": 10, "test_interval": 1000, "momentum": 0.9, "display": 100,
                "snapshot": 10000}),
    "alexnet": dict(
        about="AlexNet (Krizhevsky, Sutskever and Hinton 2012) for ILSVRC-2012, 227x227 crops.",
        data=lambda net: imagenet_data(net, 227, 256, 50), body=alexnet, input=(10, 3, 227, 227),
        solver=imagenet_solver("alexnet", 0.01, "step", 450000, "stepsize: 100000\ngamma: 0.1")),
    "caffenet": dict(
        about="CaffeNet: AlexNet with pooling before normalisation, for ILSVRC-2012, 227x227 crops.",
        data=lambda net: imagenet_data(net, 227, 256, 50), body=lambda net, x: alexnet(net, x, caffenet=True),
        input=(10, 3, 227, 227),
        solver=imagenet_solver("caffenet", 0.01, "step", 450000, "stepsize: 100000\ngamma: 0.1")),
    "vgg16": dict(
        about="VGG-16 (Simonyan and Zisserman 2014, configuration D) for ILSVRC-2012, 224x224 crops.",
        data=lambda net: imagenet_data(net, 224, 64, 50), body=lambda net, x: vgg(net, x, 16), input=(10, 3, 224, 224),
        solver=imagenet_solver("vgg16", 0.01, "step", 370000, "stepsize: 100000\ngamma: 0.1")),
    "vgg19": dict(
        about="VGG-19 (configuration E) for ILSVRC-2012, 224x224 crops.",
        data=lambda net: imagenet_data(net, 224, 64, 50), body=lambda net, x: vgg(net, x, 19), input=(10, 3, 224, 224),
        solver=imagenet_solver("vgg19", 0.01, "step", 370000, "stepsize: 100000\ngamma: 0.1")),
    "googlenet": dict(
        about="GoogLeNet (Szegedy et al. 2014, Inception v1) with its two auxiliary classifiers "
              "(loss weight 0.3, train/val net only) for ILSVRC-2012, 224x224 crops.",
        data=lambda net: imagenet_data(net, 224, 32, 50), body=googlenet, body_takes_phase=True,
        input=(10, 3, 224, 224), scores_name="loss3/classifier",
        solver=imagenet_solver("googlenet", 0.01, "poly", 2400000, "power: 0.5", weight_decay=0.0002)),
    "resnet18": dict(
        about="ResNet-18 (He et al. 2015, basic blocks) with BatchNorm + Scale in Caffe's style, for "
              "ILSVRC-2012, 224x224 crops.",
        data=lambda net: imagenet_data(net, 224, 64, 50), body=lambda net, x: resnet(net, x, 18),
        input=(10, 3, 224, 224),
        solver=imagenet_solver("resnet18", 0.1, "multistep", 600000,
                               "stepvalue: 150000\nstepvalue: 300000\nstepvalue: 450000\ngamma: 0.1",
                               weight_decay=0.0001)),
    "resnet50": dict(
        about="ResNet-50 (He et al. 2015, bottleneck blocks) with the layer names of the authors' Caffe model, "
              "for ILSVRC-2012, 224x224 crops.",
        data=lambda net: imagenet_data(net, 224, 32, 50), body=lambda net, x: resnet(net, x, 50),
        input=(10, 3, 224, 224),
        solver=imagenet_solver("resnet50", 0.1, "multistep", 600000,
                               "stepvalue: 150000\nstepvalue: 300000\nstepvalue: 450000\ngamma: 0.1",
                               weight_decay=0.0001)),
    "mobilenet_v1": dict(
        about="MobileNet v1 (Howard et al. 2017, width 1.0): depthwise-separable convolutions, for "
              "ILSVRC-2012, 224x224 crops.",
        data=lambda net: imagenet_data(net, 224, 64, 50), body=mobilenet_v1, input=(10, 3, 224, 224),
        solver=imagenet_solver("mobilenet_v1", 0.1, "poly", 500000, "power: 1", weight_decay=0.00004)),
    "fmnist_resnet": dict(
        about="A small residual net with BatchNorm for Fashion-MNIST (28x28 grey, 10 classes): 3 stages of 2 basic "
              "units; trained by scripts/bench/fmnist_resnet.sh. Data: data/fashion-mnist/convert.sh.",
        data=lambda net: data_layers(net, "data/fashion-mnist/fashion_mnist_train_lmdb",
                                     "data/fashion-mnist/fashion_mnist_test_lmdb", 128, 100,
                                     "scale: 0.00390625", "scale: 0.00390625"),
        body=fmnist_resnet, input=(1, 1, 28, 28), top5=False,
        solver={"base_lr": 0.1, "lr_policy": "multistep", "max_iter": 6000,
                "extra": "stepvalue: 3000\nstepvalue: 4500\ngamma: 0.1", "weight_decay": 0.0005,
                "test_iter": 100, "test_interval": 1000, "momentum": 0.9, "display": 100, "snapshot": 6000}),
    "fcn32s": dict(
        about="FCN-32s (Long, Shelhamer and Darrell 2015): VGG-16 as a fully convolutional net with a "
              "bilinear Deconvolution head and a Crop, for PASCAL VOC segmentation (21 classes, label 255 "
              "ignored); images and label maps in two LMDBs.",
        data=None, body=fcn32s, input=(1, 3, 500, 500), segmentation=True,
        solver={"base_lr": 1e-10, "lr_policy": "fixed", "max_iter": 100000, "extra": "",
                "weight_decay": 0.0005, "test_iter": 736, "test_interval": 4000, "momentum": 0.99,
                "display": 20, "snapshot": 4000}),
}


def segmentation_data(net):
    """Two Data layers per phase: the images, and the label maps stored as
    one-channel Datum images (class index per pixel, 255 = ignore)."""
    for phase, split in (("TRAIN", "train"), ("TEST", "val")):
        for name, top, transform in (("data", "data", "mean_value: 104 mean_value: 117 mean_value: 123"),
                                     ("label", "label", "")):
            body = "include { phase: %s }\n" % phase
            if transform:
                body += "transform_param { %s }\n" % transform
            body += "data_param { source: \"data/voc/voc_%s_%s_lmdb\" batch_size: 1 backend: LMDB }" % (split, name)
            net.add(layer(name, "Data", [], [top], body))


def build(name, spec, deploy):
    net = Net(name)
    if deploy:
        input_layer(net, spec["input"])
    elif spec.get("segmentation"):
        segmentation_data(net)
    else:
        spec["data"](net)
    if spec.get("body_takes_phase"):
        scores = spec["body"](net, "data", not deploy)
    else:
        scores = spec["body"](net, "data")
    if deploy:
        deploy_output(net, scores)
    elif spec.get("segmentation"):
        net.add(layer("loss", "SoftmaxWithLoss", [scores, "label"], ["loss"],
                      "loss_param { ignore_label: 255 normalize: false }"))
        net.add(layer("accuracy", "Accuracy", [scores, "label"], ["accuracy"],
                      "include { phase: TEST }\naccuracy_param { ignore_label: 255 }"))
    else:
        classifier_outputs(net, scores, top5=spec.get("top5", True))
    return net


def solver_text(name, s):
    lines = [
        "# Training recipe for models/%s/train_val.prototxt (generated by models/zoo.py)." % name,
        "# Run from the repository root: build/tools/cnn train --solver=models/%s/solver.prototxt" % name,
        'net: "models/%s/train_val.prototxt"' % name,
        "test_iter: %d" % s["test_iter"],
        "test_interval: %d" % s["test_interval"],
        "test_initialization: false",
        "base_lr: %g" % s["base_lr"],
        'lr_policy: "%s"' % s["lr_policy"],
    ]
    if s["extra"]:
        lines += s["extra"].split("\n")
    lines += [
        "momentum: %g" % s["momentum"],
        "weight_decay: %g" % s["weight_decay"],
        "display: %d" % s["display"],
        "max_iter: %d" % s["max_iter"],
        "snapshot: %d" % s["snapshot"],
        'snapshot_prefix: "models/%s/snapshots/%s"' % (name, name),
        'type: "SGD"',
    ]
    return "\n".join(lines) + "\n"


def files():
    out = {}
    for name, spec in MODELS.items():
        about = spec["about"] + "\nGenerated by models/zoo.py; edit that, not this file."
        out[os.path.join(name, "train_val.prototxt")] = build(name, spec, False).text(about)
        out[os.path.join(name, "deploy.prototxt")] = build(name, spec, True).text(
            about + "\nDeploy net: input %s, class probabilities out." % "x".join(map(str, spec["input"])))
        out[os.path.join(name, "solver.prototxt")] = solver_text(name, spec["solver"])
    return out


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for rel, text in files().items():
        path = os.path.join(HERE, rel)
        old = open(path).read() if os.path.exists(path) else None
        if old == text:
            continue
        if check:
            stale.append(rel)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    if stale:
        print("models/zoo.py --check: out of date: " + ", ".join(stale) + " (run python3 models/zoo.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
