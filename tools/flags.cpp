// Flags shared by several subcommands (see commands.hpp).
#include <gflags/gflags.h>

DEFINE_string(model, "", "The net definition (prototxt).");
DEFINE_int32(iterations, 50, "The number of iterations to run.");
DEFINE_string(phase, "", "The net phase, TRAIN or TEST; empty takes the command's default.");
DEFINE_string(gpu, "", "The GPU to run on, by number (CUDA builds only); empty runs on the CPU. cnn train also takes "
              "several: a list (0,1) or all (one thread per GPU, NCCL), or local under mpirun (one rank per GPU).");
DEFINE_string(weights, "", "Trained weights (.caffemodel) to start from; several are separated by commas.");
DEFINE_int32(level, 0, "The net state's level, for min_level/max_level rules.");
DEFINE_string(stage, "", "The net state's stages, separated by commas, for stage/not_stage rules.");
DEFINE_string(backend, "lmdb", "The database backend, lmdb or leveldb.");
DEFINE_string(engine, "",
              "CAFFE, DNNL or DEFAULT: the engine of every layer that has an engine field, whatever the "
              "prototxt says (DNNL only for the types with a oneDNN implementation); empty keeps the prototxt's.");
DEFINE_string(out, "", "The file to write (cnn plot: .png, .svg or .pdf; cnn draw: .svg, .png or .dot).");
DEFINE_int32(threads, 0, "CPU threads for OpenBLAS, OpenMP and every CPU engine; 0 takes OMP_NUM_THREADS, else OPENBLAS_NUM_THREADS, else every core.");
DEFINE_bool(share_activations, true,
            "Forward-only TEST nets (cnn test, cnn time --phase=TEST --forward_only): activations whose lifetimes do "
            "not overlap share memory.");
