// Shared by the glue modules: turning a Rust status into a Python exception.
#ifndef CANMV_VENC_GLUE_H
#define CANMV_VENC_GLUE_H

#include "py/obj.h"
#include "vencoder_ffi.h"

// Raise the exception `st` describes (ValueError, OSError(code, message), MemoryError).
// Returns only when the call succeeded.
void venc_glue_check(const VencStatus *st);

// An int argument, or a TypeError that names it.
mp_int_t venc_glue_int(mp_obj_t value, const char *what);

#endif
