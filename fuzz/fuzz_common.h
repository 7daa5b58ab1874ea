/* What every fuzzer here shares: CHECK aborts with the place that failed
 * (libFuzzer then saves the input), and a GLib warning or critical is a
 * finding too (a g_return_if_fail() tripping inside a parser is a bug), set
 * up by the one LLVMFuzzerInitialize this header defines. A fuzzer that
 * needs more set-up defines MC_FUZZ_INIT (a statement) before including it. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                              \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                  \
      abort ();                                                                                  \
    }                                                                                            \
  } while (0)

#ifndef MC_FUZZ_INIT
#define MC_FUZZ_INIT
#endif

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  MC_FUZZ_INIT;
  return 0;
}
