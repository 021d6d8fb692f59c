#ifndef TOLLGATE_CKSYNTAXHIGHLIGHTING_SHIM_H
#define TOLLGATE_CKSYNTAXHIGHLIGHTING_SHIM_H
/*
 * KSyntaxHighlighting is C++ and needs Qt's headers: this system library only carries
 * Qt's compiler and linker flags (pkg-config Qt5Gui) and the library to link to the
 * C++ wrapper target CHighlight. Swift never imports it.
 */
#include <KF5/KSyntaxHighlighting/ksyntaxhighlighting_version.h>
#endif
