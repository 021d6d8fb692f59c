#ifndef TOLLGATE_CHIGHLIGHT_H
#define TOLLGATE_CHIGHLIGHT_H

/*
 * A small C interface to KSyntaxHighlighting, so that Swift never sees a Qt type.
 *
 * A highlighter owns one syntax definition repository and is used by one thread at a time.
 * Strings cross the interface as UTF-8 bytes with a length; strings the highlighter returns
 * are allocated with malloc and freed with tg_highlight_free.
 */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A highlighter: one repository of syntax definitions, for one thread at a time. */
typedef struct tg_highlighter tg_highlighter;

/** Makes a highlighter; NULL when out of memory. */
tg_highlighter *tg_highlighter_create(void);

/** Frees a highlighter made by tg_highlighter_create. */
void tg_highlighter_destroy(tg_highlighter *highlighter);

/**
 * The name of the syntax definition for `name`: a definition's name in any case
 * ("swift", "C++"), or a file extension a definition claims ("rs", "kt").
 * Returns a malloc'd NUL-terminated UTF-8 string, or NULL when no definition matches.
 */
char *tg_highlighter_resolve(tg_highlighter *highlighter, const char *name, size_t length);

/**
 * Highlights `code` (UTF-8) with the definition named exactly `definition`.
 * The result is HTML: the code's text, escaped, with `<span class="hl-…">` around the
 * tokens of each style; lines are separated by '\n' and no span crosses a line.
 * Returns a malloc'd buffer of `*result_length` bytes (not NUL-terminated: the code may
 * contain NUL), or NULL when the definition is unknown or memory ran out.
 */
char *tg_highlighter_highlight(
    tg_highlighter *highlighter, const char *definition, size_t definition_length,
    const char *code, size_t code_length, size_t *result_length);

/** Every definition's name, one per line, sorted; malloc'd and NUL-terminated. */
char *tg_highlighter_definition_names(tg_highlighter *highlighter);

/** The version of the KSyntaxHighlighting library in use ("5.103.0"). */
const char *tg_highlight_library_version(void);

/** Frees a string a tg_highlighter function returned. */
void tg_highlight_free(char *string);

#ifdef __cplusplus
}
#endif

#endif
