# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: the sanitizer runtime
# options. UB and ASan findings abort the process (a test fails, a fuzzer
# writes its crash file); leaks are checked; the suppression files list only
# libraries we do not build, each entry with the reason.
san_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$san_dir/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$san_dir/ubsan.supp${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# One BLAS/OpenMP thread: the suite runs two tests at once on two cores.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
