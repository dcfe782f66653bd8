/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_FUZZ_H
#define RCI_FUZZ_H

/*
 * One entry per fuzz target, as crun's tests_libcrun_fuzzer.c: built with -fsanitize=fuzzer it is
 * a libFuzzer target; built without it, main() replays the files given on the command line (the
 * seed corpus and every crash kept as a regression test), so `make check` runs them.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
