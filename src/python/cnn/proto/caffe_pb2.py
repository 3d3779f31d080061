"""pycaffe's name for the schema module: the same module as cnn.proto.cnn_pb2."""
import sys

from . import cnn_pb2

sys.modules[__name__] = cnn_pb2
