#ifndef TOLLGATE_CZLIB_SHIM_H
#define TOLLGATE_CZLIB_SHIM_H
#include <zlib.h>
#endif
