#ifndef TOLLGATE_CSODIUM_SHIM_H
#define TOLLGATE_CSODIUM_SHIM_H
#include <sodium.h>
#endif
