/* Retry delays (see backoff.h). */
#include "meshcall/base/backoff.h"

#include <math.h>

guint
mc_backoff_delay_ms (const McBackoff *b, guint attempt, double r)
{
  /* 2^16 s is far past any cap; it also keeps the double finite. */
  double ms = b->min_ms * pow (2.0, MIN (attempt, 16u));
  double deviation = floor (r * b->jitter * ms);

  if (((int) floor (r * 10)) % 2 == 0)
    ms -= deviation;
  else
    ms += deviation;
  return (guint) MIN (ms, (double) b->max_ms);
}
