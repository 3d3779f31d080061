"""The schema's Python classes: cnn_pb2 (generated from proto/cnn.proto), alias caffe_pb2."""
